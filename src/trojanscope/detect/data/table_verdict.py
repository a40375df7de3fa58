"""Set-level verdict of ``label-groups``: does any group of a table's rows stand out beyond
what clean tables show?

Without it ``label-groups`` flags rows on almost every clean table (68 of 72 fresh clean
tables in issue 16 stop 51): its 97th-percentile cut flags the top 3% of any table whose
scores spread, and a natural factor (a value that raises one label) is scored like
dirty-label poison. The verdict reads the ``VERDICT_GROUPS`` highest-scoring groups and calls
the table poisoned only where one of them scores at least ``VERDICT_FLOOR`` (chance groups of
a clean table score below it) and either

- its rows look less like their label than the table's rows in general do, by at least
  ``VERDICT_EXCESS`` standard deviations of the label's fit (``excess``: the group's
  disagreement ``d`` less the disagreement of every row outside the group, read on the same
  out-of-fold naive Bayes model; a reference taken from the user's own table). A natural
  factor's rows are a slice of the table, so its excess is about 0 or below; dirty-label
  poison relabels rows drawn from the other labels, so towards the majority label its excess is
  large; or
- it scores at least ``VERDICT_HIGH``, above the natural groups of the development clean
  tables (a trigger that makes its rows one label and shares rare values: clean-label and
  large dirty-label groups).

What it cannot tell apart: a natural factor that (nearly) decides the minority label and a
trigger relabelling rows to the minority label leave the same rows (the minority label's
rows and the table's rows look alike, so the excess is about 0 for both); below
``VERDICT_HIGH`` such poison is judged clean. Constants set on development tables only
(``benchmarks/tabular_table_verdict.py``, docs/benchmarks.md, issue 16 stop 52). Opt-in
(``label-groups -p verdict=1``): on fresh material it judged 4 of 72 clean tables poisoned
(today's flags fall on 70) but kept 37 of the 40 dirty-label sets found today, so the rule
committed before that material (at most one fewer) was not met. Two of the three lost scored
1.98 and 1.94; ``verdict=2`` (stop 52 h16r) is the same verdict with the floor at
``VERDICT_FLOOR_2`` = 1.9, set on development tables (that material included) before a new
fresh population; its rule on fresh bases 9200/9300 was not met either (29 of the 36 sets found
today kept, every loss poison towards the minority label; 6 of 72 clean tables judged
poisoned), so both levels are opt-in (docs/benchmarks.md). ``verdict=3`` (stop 53) also reads
each group's ``group_evidence`` (``minority_verdict``: poison towards the minority label, pairs
whose parts lean away; ``natural_lean``: an excess group leaning towards its label is not
evidence); its rule on fresh bases 9400/9500 was not met either (36 of the 38 sets found today
kept, both losses ``credit-default`` rare-category sets; 4 of 71 clean tables judged poisoned),
so it is opt-in too. ``verdict=4`` (stop 54) also reads a group of one categorical value for
``value_evidence`` (``rare_verdict``: a rare-category trigger, whatever its score above
``RARE_FLOOR``); its rule on fresh bases 9600/9700 was not met either (35 of the 38 sets found
today kept; 4 of 72 clean tables judged poisoned), so it is opt-in as well. ``verdict=5``
(stop 65, ``verdict_at``) moves five bars, each set on development tables (``RARE_FLOOR_5``,
``RARE_OUTSIDE_5``, ``PAIR_LEAN_5``, ``high_evidence``, ``EXCESS_Z_5``); its rule on fresh bases
15100/15200 was not met either (37 of the 38 sets found today kept, but 8 of 72 clean tables
judged poisoned where the bar was 7), so it is opt-in too. ``verdict=6`` (stop 76 h16d) is
``verdict=5`` with two more ways a group counts, each set on spent tables: an ``excess`` group
whose rows lean towards its label up to ``EXCESS_LEAN_6`` (0.6, not 0.5) is still relabelled
rows, and a group scoring at least ``FAR_6``, far above every development synthetic clean
table's best group, counts whatever its row count where its rows lean to the other labels or
share other rare values (``far_evidence``). ``verdict=5`` lost a ``lending-club`` trigger
towards class 0 (16908: 24 rows scoring 20.6, lean 0.548; its 12-row sibling 19.6, lift 1.1)
and a ``credit-default`` rare value towards class 0 (17202: 52 rows, 5.24, lean 0.545).
Its rule on fresh bases 17300/17400 was not met (47 of the 48 sets found today kept: a 9-row
``lending-club`` conjunction towards class 0 lost, its 28-row group scoring 15.6 with neither
evidence; rows flagged on 1 of 60 clean tables against 57), so it is opt-in. ``verdict=7``
(stop 77 h16d) is ``verdict=6`` with one more way a far group counts: the ``misfits`` screen
raised it (``label_groups._misfits``: the rows carry a value that does not go with its partner
column, as a value written on rows of another label does) at a ``z`` of at least
``FAR_MISFIT_7`` (``misfit_evidence``). That lost set and its development twin (17055) are
such groups, ``z`` 11.6 and 14.8, whose rows look like their 95% label, so neither ``lean``
nor ``lift`` reads them; no development clean table's best groups hold a ``misfits`` group.
It also counts a group over the floor whose evidence reads the opposite of a natural factor on
both of ``group_evidence``'s condition readings (``swapped_evidence``): among the condition's
rows the group's fit its label worse than the other labels' rows do (``within`` at most
``WITHIN_7``) while those other rows fit their own labels no better than elsewhere
(``mirror_z`` at least ``MIRROR_7``): development set 17156 (a ``lending-club`` conjunction
towards its 9% label, 324 rows scoring 3.24), which no earlier level reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trojanscope.detect.data.minority_verdict import (
    MINORITY_LEAN,
    PAIR_LEAN_5,
    minority_poison,
    parts_away,
)
from trojanscope.detect.data.rare_verdict import (
    RARE_FLOOR,
    RARE_FLOOR_5,
    RARE_OUTSIDE_5,
    rare_value,
)
from trojanscope.detect.data.verdict import SetVerdict

VERDICT_GROUPS = 3
VERDICT_FLOOR = 2.0  # verdict=1
VERDICT_FLOOR_2 = 1.9  # verdict=2: development dirty-label sets 91 of 100 kept (2.0: 88)
FLOORS = {1: VERDICT_FLOOR, 2: VERDICT_FLOOR_2, 3: VERDICT_FLOOR_2,
          4: VERDICT_FLOOR_2, 5: VERDICT_FLOOR_2, 6: VERDICT_FLOOR_2,
          7: VERDICT_FLOOR_2}  # ``verdict`` → its floor
MINORITY_LEVEL = 3  # verdict=3: verdict=2 and the minority label's evidence (stop 53)
RARE_LEVEL = 4  # verdict=4: verdict=3 and a rare value's evidence (stop 54)
LOOSE_LEVEL = 5  # verdict=5: verdict=4 with the bars of stop 65 (``verdict_at``)
FAR_LEVEL = 6  # verdict=6: verdict=5 and a group far above clean tables' best (stop 76)
MISFIT_LEVEL = 7  # verdict=7: verdict=6 and a far group the misfits screen raised (stop 77)
VERDICT_EXCESS = 0.2
VERDICT_HIGH = 4.5
# verdict=5 (stop 65): a group over VERDICT_HIGH counts only with HIGH_ROWS rows of its label and
# either rows that lean to the other labels (lean <= HIGH_LEAN) or shared rare values beyond its
# own columns (lift >= HIGH_LIFT); see ``high_evidence``
HIGH_ROWS, HIGH_LEAN, HIGH_LIFT = 20, 0.5, 0.5
# verdict=6 (stop 76): a group scoring at least FAR_6 counts whatever its rows (``far_evidence``);
# development synthetic clean tables' best groups scored at most 4.19 (360 spent tables)
FAR_6, CLEAN_BEST = 8.0, 4.19
EXCESS_LEAN_6 = 0.6  # verdict=6: natural_lean's bar (spent clean tables' excess groups 0.638 up)
# verdict=7 (stop 77): a far group counts where the misfits screen raised it at this ``z`` or
# more, twice the screen's own bar (``label_misfits.MISFIT_Z``, 4); spent poison far groups read
# 11.3-17.2, and no spent clean table (synthetic or real) has a misfits group among its best
FAR_MISFIT_7 = 8.0
# verdict=7: a group over the floor counts where ``within`` <= WITHIN_7 and ``mirror_z`` >=
# MIRROR_7 (``swapped_evidence``); no best group of 277 spent clean tables (210 synthetic, 52
# real, 15 bundled) reads both, the nearest within -1.38 at mirror_z >= 1, and mirror_z 0.79 at
# within <= -2 (DAAG/cricketer, under the floor); 25 of 169 spent poisoned sets read both
WITHIN_7, MIRROR_7 = -2.0, 1.0
# verdict=5: a group of one value counts by ``excess`` only where it also fits its label worse
# than every other row by at least EXCESS_Z_5 standard errors (``excess_z``): development
# clean tables' groups of 5-34 rows read 0.5-1.3, dirty-label groups kept by excess 1.4 up
EXCESS_Z_5 = 1.0
EXCESS_LEAN = 0.5  # verdict=3: an excess group whose rows lean past this is a natural factor
TABLE_MIN = 1000  # the smallest development clean table the constants were set on


def verdict_at(level: int, groups: Sequence[dict[str, Any]], words: Sequence[str]
               ) -> SetVerdict:
    """``table_verdict`` as ``label-groups -p verdict=level`` reads it (1-7)."""
    if level < LOOSE_LEVEL:
        return table_verdict(groups, words, FLOORS[level], level >= MINORITY_LEVEL,
                             level >= RARE_LEVEL)
    return table_verdict(groups, words, FLOORS[level], True, True, rare_floor=RARE_FLOOR_5,
                         pair_lean=PAIR_LEAN_5, high_checked=True,
                         rare_outside=RARE_OUTSIDE_5, excess_z=EXCESS_Z_5,
                         far=FAR_6 if level >= FAR_LEVEL else float("inf"),
                         natural=EXCESS_LEAN_6 if level >= FAR_LEVEL else EXCESS_LEAN,
                         far_misfit=FAR_MISFIT_7 if level >= MISFIT_LEVEL else float("inf"),
                         swapped=level >= MISFIT_LEVEL)


def table_verdict(groups: Sequence[dict[str, Any]], words: Sequence[str],
                  floor: float = VERDICT_FLOOR, minority: bool = False,
                  rare: bool = False, *, rare_floor: float = RARE_FLOOR,
                  pair_lean: float = MINORITY_LEAN, high_checked: bool = False,
                  rare_outside: float = float("inf"),
                  excess_z: float = -float("inf"), far: float = float("inf"),
                  natural: float = EXCESS_LEAN, far_misfit: float = float("inf"),
                  swapped: bool = False) -> SetVerdict:
    """The verdict from ``label-groups``' groups, best first (each with ``label``, ``score``
    and ``excess``), and each group's description in the table's words (``words``, as
    ``group_words`` gives them; the reasons quote them); groups scoring under ``floor`` are
    chance (``FLOORS`` gives it per ``verdict`` level). With ``minority`` (``verdict=3``) a
    group is also read for ``parts_away``' and (of the minority label) ``minority_poison``'s
    evidence (the groups then carry ``group_evidence``'s keys), and an excess group leaning
    towards its label (``natural_lean``) is not evidence. With ``rare`` (``verdict=4``) a
    group of one value is also read for ``rare_value``'s evidence (``value_evidence``'s
    keys; ``rare_floor``: its score bar). ``pair_lean``: how far a minority-label pair's rows
    may lean towards their label (``minority_poison``). With ``high_checked`` (``verdict=5``)
    a group over ``VERDICT_HIGH`` also needs ``high_evidence``. ``rare_outside``: the most
    holders of a rare value outside its group; ``excess_z``: the standard errors a group of one
    value (with ``value_evidence``'s keys) needs besides ``excess`` (``verdict=5``); ``far``: a
    group scoring at least this counts with ``far_evidence`` alone (``verdict=6``);
    ``natural``: ``natural_lean``'s bar; ``far_misfit``: a group scoring at least ``far``
    also counts where the ``misfits`` screen raised it at this ``z`` or more
    (``misfit_evidence``, ``verdict=7``); with ``swapped`` a group over ``floor`` counts with
    ``swapped_evidence`` (``verdict=7``)."""
    reasons: list[str] = []
    classes: set[int] = set()
    for g, said in zip(groups[:VERDICT_GROUPS], words, strict=False):
        score, excess = float(g["score"]), float(g["excess"])
        found = (parts_away(g) or minority_poison(g, pair_lean)) if minority else None
        found = found or (rare_value(g, rare_floor, rare_outside) if rare else None)
        if found:
            reasons.append(f"{said}: {found}")
            classes.add(int(g["label"]))
            continue
        if score < floor:
            continue
        z = g.get("excess_z")
        if (excess >= VERDICT_EXCESS and not (minority and natural_lean(g, natural))
                and (z is None or float(z) >= excess_z)):
            reasons.append(f"{said}: its rows look less like label {g['label']} than the "
                           f"table's rows do ({excess:.2f} standard deviations beyond them)")
        elif score >= VERDICT_HIGH and (not high_checked or high_evidence(g)):
            reasons.append(f"{said}: a score of at least {VERDICT_HIGH}, above the groups of "
                           "clean tables")
        elif score >= far and far_evidence(g):
            reasons.append(f"{said}: a score of {score:.1f}, far above the best group of every "
                           f"development clean table (at most {CLEAN_BEST:.2f}), on rows that "
                           "lean to the other labels or share other rare values")
        elif score >= far and misfit_evidence(g, far_misfit):
            reasons.append(f"{said}: a score of {score:.1f}, far above the best group of every "
                           f"development clean table (at most {CLEAN_BEST:.2f}), on rows that "
                           "do not fit the column their value nearly fixes (misfits z "
                           f"{float(g['misfit']):.1f}): a value written on rows of another label")
        elif swapped and swapped_evidence(g):
            reasons.append(f"{said}: among the rows holding it, those of label {g['label']} fit "
                           f"it worse than the other labels' rows do (within {g['within']:.2f}), "
                           "while those fit their own labels no better than elsewhere "
                           f"(mirror {g['mirror_z']:.2f}): the reverse of a natural factor")
        else:
            continue
        classes.add(int(g["label"]))
    return SetVerdict(bool(reasons), reasons, sorted(classes))


def high_evidence(g: dict[str, Any]) -> bool:
    """``verdict=5``: is a high-scoring group more than a natural factor or a few repeated rows?
    It needs ``HIGH_ROWS`` rows of its label (real clean tables hold 5-8 identical rows scoring
    5-10) and either rows that sit nearer the other labels' rows (``lean`` at most
    ``HIGH_LEAN``: relabelled) or other rare values its rows share beyond its own columns
    (``lift``, the score's shared-rare-values term, at least ``HIGH_LIFT``: a clean-label
    trigger's other columns; a natural factor of 500-1,800 rows shares none, 0.0-0.06 on
    development tables, clean-label groups 1.2-1.8)."""
    return int(g["rows"]) >= HIGH_ROWS and far_evidence(g)


def far_evidence(g: dict[str, Any]) -> bool:
    """``verdict=6``: ``high_evidence`` without its row count, for a group scoring at least
    ``FAR_6``: its rows lean to the other labels or share other rare values."""
    lean, lift = g.get("lean"), g.get("lift")
    return (lean is not None and float(lean) <= HIGH_LEAN) or (
        lift is not None and float(lift) >= HIGH_LIFT)


def misfit_evidence(g: dict[str, Any], bar: float = FAR_MISFIT_7) -> bool:
    """``verdict=7``: did the ``misfits`` screen raise the group (its ``misfit`` key, the
    screen's ``z``) at ``bar`` or more? Its rows hold a value that does not go with the column
    the value nearly fixes (``lending-club``'s ``sub_grade`` on rows keeping their own
    ``int_rate``): written on them, whatever label their other columns look like. A
    conjunction relabelled towards a 95% label looks like that label (``lean`` over 1) and
    shares no rare value, so ``far_evidence`` misses it; the screen reads it."""
    z = g.get("misfit")
    return z is not None and float(z) >= bar


def swapped_evidence(g: dict[str, Any]) -> bool:
    """``verdict=7``: does the group read the reverse of a natural factor on both condition
    readings of ``group_evidence``? A natural factor's label still follows the other columns
    among its rows (``within`` above 0) and leaves in the other labels only rows leaning hard
    their way (``mirror_z`` well below 0); relabelled rows, drawn from the other labels, fit
    their new label worse than the condition's rows of those labels (``within`` at most
    ``WITHIN_7``), whose rows are left as they were or better (``mirror_z`` at least
    ``MIRROR_7``)."""
    within, mirror = g.get("within"), g.get("mirror_z")
    return (within is not None and mirror is not None and float(within) <= WITHIN_7
            and float(mirror) >= MIRROR_7)


def natural_lean(g: dict[str, Any], bar: float = EXCESS_LEAN) -> bool:
    """``verdict=3``: a group whose rows sit more than ``EXCESS_LEAN`` of the way from the other
    labels' rows to its label's own (``group_evidence``'s ``lean``) is not relabelled rows,
    whatever its ``excess`` (two development clean tables' majority-label groups, 0.72-0.81;
    dirty-label groups found by excess alone at most 0.23; ``bar``: ``EXCESS_LEAN_6`` for
    ``verdict=6``)."""
    lean = g.get("lean")
    return lean is not None and float(lean) > bar
