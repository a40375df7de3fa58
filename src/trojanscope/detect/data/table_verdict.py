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
today kept; 4 of 72 clean tables judged poisoned), so it is opt-in as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trojanscope.detect.data.minority_verdict import minority_poison, parts_away
from trojanscope.detect.data.rare_verdict import rare_value
from trojanscope.detect.data.verdict import SetVerdict

VERDICT_GROUPS = 3
VERDICT_FLOOR = 2.0  # verdict=1
VERDICT_FLOOR_2 = 1.9  # verdict=2: development dirty-label sets 91 of 100 kept (2.0: 88)
FLOORS = {1: VERDICT_FLOOR, 2: VERDICT_FLOOR_2, 3: VERDICT_FLOOR_2,
          4: VERDICT_FLOOR_2}  # ``verdict`` → its floor
MINORITY_LEVEL = 3  # verdict=3: verdict=2 and the minority label's evidence (stop 53)
RARE_LEVEL = 4  # verdict=4: verdict=3 and a rare value's evidence (stop 54)
VERDICT_EXCESS = 0.2
VERDICT_HIGH = 4.5
EXCESS_LEAN = 0.5  # verdict=3: an excess group whose rows lean past this is a natural factor
TABLE_MIN = 1000  # the smallest development clean table the constants were set on


def table_verdict(groups: Sequence[dict[str, Any]], words: Sequence[str],
                  floor: float = VERDICT_FLOOR, minority: bool = False,
                  rare: bool = False) -> SetVerdict:
    """The verdict from ``label-groups``' groups, best first (each with ``label``, ``score``
    and ``excess``), and each group's description in the table's words (``words``, as
    ``group_words`` gives them; the reasons quote them); groups scoring under ``floor`` are
    chance (``FLOORS`` gives it per ``verdict`` level). With ``minority`` (``verdict=3``) a
    group is also read for ``parts_away``' and (of the minority label) ``minority_poison``'s
    evidence (the groups then carry ``group_evidence``'s keys), and an excess group leaning
    towards its label (``natural_lean``) is not evidence. With ``rare`` (``verdict=4``) a
    group of one value is also read for ``rare_value``'s evidence (``value_evidence``'s
    keys)."""
    reasons: list[str] = []
    classes: set[int] = set()
    for g, said in zip(groups[:VERDICT_GROUPS], words, strict=False):
        score, excess = float(g["score"]), float(g["excess"])
        found = (parts_away(g) or minority_poison(g)) if minority else None
        found = found or (rare_value(g) if rare else None)
        if found:
            reasons.append(f"{said}: {found}")
            classes.add(int(g["label"]))
            continue
        if score < floor:
            continue
        if excess >= VERDICT_EXCESS and not (minority and natural_lean(g)):
            reasons.append(f"{said}: its rows look less like label {g['label']} than the "
                           f"table's rows do ({excess:.2f} standard deviations beyond them)")
        elif score >= VERDICT_HIGH:
            reasons.append(f"{said}: a score of at least {VERDICT_HIGH}, above the groups of "
                           "clean tables")
        else:
            continue
        classes.add(int(g["label"]))
    return SetVerdict(bool(reasons), reasons, sorted(classes))


def natural_lean(g: dict[str, Any]) -> bool:
    """``verdict=3``: a group whose rows sit more than ``EXCESS_LEAN`` of the way from the other
    labels' rows to its label's own (``group_evidence``'s ``lean``) is not relabelled rows,
    whatever its ``excess`` (two development clean tables' majority-label groups, 0.72-0.81;
    dirty-label groups found by excess alone at most 0.23)."""
    lean = g.get("lean")
    return lean is not None and float(lean) > EXCESS_LEAN
