"""``label-groups``: dirty-label poison in a table is a group of rows, sharing a trigger value,
whose label the rest of each row does not support.

A dirty-label attack takes rows of other classes, writes the trigger (one value, or a few) and
gives them the target label. So for some condition ``column = value`` the rows holding it
carry one label more often than the table does (*enrichment*), and those rows' other columns
still look like the classes they were drawn from (*label disagreement*). Natural risk factors
are enriched too, but their rows look like their label, and clean groups of a few rows can
disagree by chance but are not enriched. Each (label, condition) group with at least
``min_rows`` rows of the label is scored

    Q = d * k / (k + k0) + g(d) * (logit(q) - logit(p)) + lift_weight * lift

- ``d``: how much less the group's rows are predicted to hold their label than the other
  rows of that label, in standard deviations, by an out-of-fold naive Bayes model
  (``folds``, seeded) that leaves out the columns the group shares (its trigger);
- ``q``: the group's share of the label, shrunk towards the label's share ``p`` with
  ``prior`` pseudo-rows (a handful of pure rows is not evidence);
- ``g(d) = clip(1 + d / gate, 0, 1)`` for a label more than half the rows hold (else 1): the
  enrichment fades for its groups whose rows fit it *better* than its other rows (``d < 0``): such a
  group is a natural category of that label (on ``lending-club`` the best sub-grades are all
  "good", 200-odd rows, pure), whose enrichment used to outscore small relabelled groups
  towards the majority label. (For a minority label it is not applied: a trigger on the
  table's strongest columns can leave its relabelled rows fitting their new label.)
- ``lift``: how rare the other values that ≥ 90% of the group share are (sum of log N / rows
  holding each), less the largest of them: multi-column triggers make rows share several
  uncommon values, while one column may follow another naturally (sub-grade and interest
  rate).

With ``pairs`` (the default since issue 16 stop 47, where a rule committed before fresh bases
7100/7200 was met; ``pairs=0``: values alone) the conditions also include two columns' values held
together, ``column = value and column' = value'`` (a conjunction trigger, whose cover rows
carry each part alone with their own labels, so that no single value is enriched), scored
the same way where the pair is more of the label than either part, less ``pair_cost`` (many
more pairs than values are tried, so the best clean pair is higher by chance). With
``pair_contrast`` (1, the default since issue 16 stop 49c) a pair of two categorical columns
is also enriched against the rows holding one of its values alone (its cover rows).

A row's suspicion is the highest ``Q`` of the groups it is in with its own label. Flagged:
rows whose suspicion is above the ``top`` quantile of all rows, or reaches ``sure``. A
group's rows share one suspicion, so a group straddling the quantile (more rows than the
top share leaves room for: a poison group above 3% of the rows) ties at the cut and none of
it is above it; with ``tie_sure`` > 0 (opt-in, issue 16 stop 48) the rows tied at the cut
are flagged too where their suspicion reaches ``tie_sure``; with ``tie_margin`` > 0 (the
default, 0.1, since issue 16 stop 48c, where a rule committed before fresh bases 7600/7700 was
met; ``tie_margin=0``: the old flags) they are flagged where they hold the table's highest
suspicion and stand at least ``tie_margin`` above the next distinct score (a bar relative to
the table: the natural tied groups score 1.4-1.6 on one table and 1.8-2.1 on another, so no
one value serves). With ``tie_outside=1`` (opt-in; the default from issue 16 stop 49c to
stop 50, when a rule committed before fresh bases 8400/8500 was met for ``tie_outside=0``: it
moved no fresh set there and flagged a tied natural group on 8250) that margin
is measured to the highest group holding mostly rows outside the tied rows (``label_flags``):
a sibling group of the same trigger (a three-category trigger's other pair, the tied rows and
one more) no longer defeats it. With ``tie_outside=2`` (the default since issue 16 stop 51, where
a rule committed before fresh bases 8600/8700 was met) such a group is passed over only where
it also holds at least half the tied rows: a conjunction's sibling pair (126 of 135 tied rows)
is, a 5-row group holding 3 of a natural group's 350 tied rows (8250) is not. The
constants were set on the calibration sets of ``benchmarks/bench_tabular_detect.py`` (seeds
100+ and 200+; see docs/benchmarks.md). Per-row triggers (``ends-with``) share no value and
are out of reach; a trigger with no column of its own rare enough to stand out (two common
categories only) is found only through its enriched single values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

import numpy as np

from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.group_evidence import EVIDENCE_KEYS, group_evidence
from trojanscope.detect.data.group_words import group_words
from trojanscope.detect.data.label_cells import cell_contrasts
from trojanscope.detect.data.label_covers import (
    COVER_VALUES,
    cover_conditions,
    near_rows,
    shrunk_share,
)
from trojanscope.detect.data.label_deficit import deficit_groups
from trojanscope.detect.data.label_echoes import echo_groups
from trojanscope.detect.data.label_leans import LEAN_BAR, LEAN_WEIGHT, cover_leans
from trojanscope.detect.data.label_misfits import MISFIT_Z, ROW_BAR, misfit_conditions
from trojanscope.detect.data.label_rares import (
    RARE_OTHERS,
    lookalike_z,
    rare_enriched,
    rare_values,
)
from trojanscope.detect.data.label_strays import binned, exact_ranks, partnered, stray_values
from trojanscope.detect.data.label_ties import cover_rivals
from trojanscope.detect.data.label_twins import group_rows, null_bar, twin_groups
from trojanscope.detect.data.large_group import large_group_note
from trojanscope.detect.data.majority_reach import majority_unread
from trojanscope.detect.data.shared_values import value_codes
from trojanscope.detect.data.table_verdict import (
    FLOORS,
    TABLE_MIN,
    VERDICT_GROUPS,
    verdict_at,
)
from trojanscope.detect.data.verdict import SetVerdict
from trojanscope.errors import UserInputError
from trojanscope.registry import register

MANY_VALUES = 30  # a column with more distinct values is binned for the naive Bayes model
MAX_PAIR_VALUES = 1000  # pair_values' bound: pairs of wider columns are more groups than rows
# what a pair of two categorical columns pays (issue 16 stop 54 h16b: its rule on fresh bases
# 9800/9900 was met, docs/benchmarks.md); pairs with a numeric column pay ``pair_cost``
CATEGORY_PAIR_COST = 0.75
# the deficit screen's bar (issue 16 stop 55 h16: its rule on fresh bases 10000/10100 and clean
# seeds 10060-10079 was met, docs/benchmarks.md); 0: off
DEFICIT = 2.5
# what the deficit screen's score ``z - deficit`` is multiplied by (issue 16 stop 56 h16: its
# rule on fresh bases 10200/10300 and clean seeds 10160-10179 was met, docs/benchmarks.md);
# 1: the score as stop 55 shipped it
DEFICIT_WEIGHT = 2.0
# the covers screen with the every-cell guard (issue 16 stop 67 h16d: its rule on fresh bases
# 15500/15600 and clean seeds 15560-15589/15660-15689 was met, docs/benchmarks.md); 0: off;
# 3 with the near cells read one by one (``label_leans``; issue 16 stop 75 h16d: its rule on
# fresh bases 17100/17200 and clean seeds 17160-17189/17260-17289 was met, 47 -> 48 of 48);
# 2: the scores of stops 67-74
COVERS = 3
# the strays screen (issue 16 stop 68 h16d: its rule on fresh bases 15700/15800 and clean
# tables 15760-15789/15860-15889 and REAL["fresh7"] was met, docs/benchmarks.md); 0: off. A
# value's group counts where its rows' partner fit lies more than STRAY_BAR standard
# deviations under its column's, and scores STRAY_WEIGHT times the excess on top of its own;
# 2 (issue 16 stop 74 h16d: its rule on fresh bases 16900/17000 and clean tables
# 16960-16989/17060-17089 was met, docs/benchmarks.md): the partner read on its exact values too
STRAYS = 2
STRAY_BAR, STRAY_WEIGHT = 1.0, 2.0
# the per-cell contrast (issue 16 stop 69 h16d: its rule on fresh bases 15900/16000 and clean
# tables 15960-15989/16060-16089 and REAL["fresh8"] was met, docs/benchmarks.md); 0: off. A
# two-value condition counts where its cells' interaction (``label_cells``) stands more than
# CELL_BAR standard errors over 0
CELLS = 1
CELL_BAR = 2.5
# what a two-value condition over CELL_BAR may score by its ``z``: ``cell_weight * (z -
# CELL_BAR)``, gated by its rows' look of another label, where that is more than its pair
# score (issue 16 stop 70 h16d: its rule on fresh bases 16100/16200 and clean tables
# 16160-16189/16260-16289 and REAL["fresh9"] was met, docs/benchmarks.md); 0: off
CELL_WEIGHT = 2.0
# the misfits screen (issue 16 stop 71 h16d: its rule on fresh bases 16300/16400 and clean
# tables 16360-16389/16460-16489 and REAL["fresh10"] was met, docs/benchmarks.md): the
# majority label's rows that fit their value's partner column far worse than the value's other
# holders (``label_misfits``), grouped by a two-value condition that holds more of them than its
# rows predict, score as a pair plus STRAY_WEIGHT times that excess's z over MISFIT_Z; 0: off
MISFITS = 1
# tie_covers (issue 16 stop 72 h16d: its rule on fresh bases 16500/16600 and clean tables
# 16560-16589/16660-16689 and REAL["fresh11"] was met, docs/benchmarks.md): rows tied at the
# cut pass over their own covers, groups of another label on the trigger's values, as rivals
# (label_ties); 0: off
TIE_COVERS = 1
# the rares screen (issue 16 stop 73 h16d: its rule on fresh bases 16700/16800 and clean tables
# 16760-16789/16860-16889 was met, docs/benchmarks.md): the majority label's groups of a rare
# value whose rows' fit reads as drawn from another label (``label_rares.lookalike_z``) over
# RARE_BAR score STRAY_WEIGHT times the excess on top of their own; 0: off; 2 (issue 16 stop 74
# h16d, the same rule as STRAYS = 2): only values at least RARE_OTHERS holders of another label hold
RARES = 2
RARE_BAR = 2.5
MAX_DEFICIT_WEIGHT = 10.0  # a weight, not a switch: past it one screen decides every flag
MAX_MIRROR = 10.0  # mirror's bound: a weight, not a switch; past it one term decides everything
BINS = 10
SHARED = 0.9  # a value held by this share of a group's rows is part of what the group shares
TIE_COVER = 0.5  # tie_outside=2: a sibling of the tied rows holds at least this share of them
# (the key a screen marks its groups with, the screen's option): ``screen_of``
# (``leans``: ``covers=3``'s reading; ``lean`` is the verdict's evidence key)
# collapse: 1 reads one row of each set of exact copies (the same values and label) and gives
# its score and flag to every copy (issue 16 stop 78 hdd: the fraud attack's clean copies,
# a fraud row and its four copies, were flagged as a 5-row group and the triggered copies not);
# 0 (default): every row counts, as before
COLLAPSE = 0
# twins: 1 (default since issue 16 stop 80 hdd, with twin_null 5, under one rule met on fresh
# fraud runs 6760-6799 and fresh clean tables of bases 17700/17800: 54 -> 72 of 105 runs found
# in full, no clean row added) also flags the rows of a label that are another label's rows
# with one shared assignment written over (``label_twins``: the fraud attack's triggered
# copies, whose source rows stay in the table), at ``sure`` plus their twins' median excess
# (issue 16 stop 79 hdd); 0: off, every score and flag as before stop 80
TWINS = 1
# twin_null: with twins, the twins groups count only where they hold more rows than the same
# screen's groups on the table with its labels permuted, in each of this many seeded draws: a
# clean table's natural near-copies across labels (duplicated answers, coarse columns) group
# under shuffled labels too, copies relabelled over their sources do not (issue 16 stop 80
# hdd; 5 the default since then, with twins); 0: no null, every twins group counts (stop 79)
TWIN_NULL = 5
MAX_TWIN_NULL = 20
# echoes: 1 (the default since issue 16 stop 82 hdd) also flags a few rows of one label that
# share rare values beyond what the table's column-permuted copies give (``label_echoes``: the
# fraud attack's rows relabelled in place, each written the same trigger); 0: off. Opt-in at
# stop 81 (2 clean rows on a lending-club set: int_rate and sub_grade read as independent);
# since stop 82 shared columns that carry the same information count once (``echo_links``),
# and its rule on fresh fraud runs 6920-6959 and clean tables of bases 18100/18200 was met:
# 18 -> 39 of 108 runs found in full, none lost, no row more on 120 clean twins or 128 clean
# tables and sets, 1.65x the CPU
ECHOES = 1
SCREEN_KEYS = (("deficit", "deficit"), ("cover", "covers"), ("leans", "covers"),
               ("stray", "strays"), ("cell", "cells"), ("misfit", "misfits"), ("rare", "rares"))


UNJUDGED_NOTE = (
    "these flags say which rows stand out, not that the table is poisoned: without a "
    "set-level verdict label-groups flags rows on most clean tables too (68 of 72 fresh clean "
    "tables, issue 16 stop 65; 57 of 60 at stops 76 and 77), where a group like this is a "
    "pattern of the table itself (a value that goes with the label). For a verdict on the whole "
    "table add `-m label-groups -p verdict=6` (or 5, 7; each opt-in, each read once on its own "
    "fresh tables: verdict=5 judged 8 of 72 clean tables poisoned and kept 37 of the 38 "
    "poisoned sets the default finds, verdict=6 1 of 60 and 47 of 48, verdict=7 4 of 60 and 45 "
    "of 46; docs/tabular.md)"
)
"""What a run that flags rows without a verdict tells its user (measured: docs/benchmarks.md,
"The table verdict, round 5" and the rounds 6-7 of stops 76-77; the three verdicts' latest
fresh figures since stop 78's read-through, hrev, where it named ``verdict=5``'s alone)."""


@register("data-detector", "label-groups")
class LabelGroups(DataDetector):
    """Tables: groups of rows sharing a value, enriched in one label, whose other columns do
    not support that label (the default for tables).

    Arguments:
        min_rows: fewest rows of a label a group needs.
        k0: rows at which the disagreement counts half (shrinks small groups).
        prior: pseudo-rows shrinking a group's label share towards the table's.
        lift_weight: weight of the shared-rare-values term.
        folds: folds of the out-of-fold naive Bayes model.
        top: quantile of the suspicion above which rows are flagged.
        sure: suspicion at or above which rows are flagged whatever the quantile.
        seed: seeds the folds.
        gate: a group of the majority label whose rows agree with it more than the label's
            other rows (disagreement below 0) loses its enrichment, all of it at ``-gate``;
            0: never.
        pairs: 1 (default): also score groups of two columns' values held together
            (a conjunction trigger), where the pair is more of the label than either part
            (issue 16 stop 47); 0: single values only, as before.
        pair_cost: subtracted from a pair group's ``Q``: there are many more pairs than
            single values, so a clean table's best pair outscores its best value by chance
            (0.3-1.3, median 0.5, on the development sets); 1.0 was set there
            (docs/benchmarks.md, issue 16 stop 47).
        tie_sure: rows tied at the ``top`` quantile (a group too large for the top share)
            are flagged where their suspicion is at least this; 0 (default): never, as
            before issue 16 stop 48 (``label_flags``).
        tie_margin: rows tied at the ``top`` quantile are flagged where theirs is the
            table's highest suspicion and it exceeds the next distinct score by at least
            this; 0.1 (default since issue 16 stop 48c, chosen on development bases
            7000-7500, ``label_flags``); 0: never, the flags as before.
        pair_contrast: a pair of two categorical columns is also enriched by this times
            ``logit(q)`` less the logit of the label's share among the rows holding one of
            its values but not both (``part_contrast``: a conjunction's cover rows carry a
            part alone with the other labels); the larger enrichment counts. 1 (default
            since issue 16 stop 49c, with ``tie_outside``: their rule on fresh bases
            8000/8100 was met, docs/benchmarks.md; alone its rule on 7800/7900 was not);
            0: off, every score as before.
        tie_outside: 0 (the default of stop 50): ``tie_margin`` to the next distinct
            score; 1 (the default of stops 49c-50): to the highest score of a group whose
            rows are not mostly (at most half) the tied rows, so a sibling group of the same
            trigger does not defeat it (``pair_contrast=0``: the flags and scores before
            stop 49c exactly); 2 (default since issue 16 stop 51: its rule on fresh bases
            8600/8700 was met, docs/benchmarks.md): as 1, but such a group is skipped only
            where it also holds at least half the tied rows (``TIE_COVER``), so a few tied
            rows' own small group still counts as a rival; its flags lie between 0's and
            1's.
        pair_values: pairs read categorical columns of at most this many distinct values
            (numeric columns: at most MANY_VALUES, 30); 30 (default): as before. Lending-club's
            ``sub_grade`` (35) and ``addr_state`` (50) enter pairs from 50 (issue 16 stop 50:
            its rule on fresh bases 8200/8300, docs/benchmarks.md).
        mirror: 0 (default): off. Above 0, a group whose condition's rows of the other labels
            fit their own labels better than those labels' other rows by at least this many
            standard errors (``mirror_z`` ≤ ``-mirror``) is a natural factor, and rows whose
            best group it is are not flagged (scores unchanged). Opt-in: its rule on fresh
            bases 8800/8900 (issue 16 stop 51, docs/benchmarks.md) was not met.
        verdict: 1: a set-level verdict (``table_verdict``): the table is judged poisoned
            only where one of its best groups stands out beyond what clean tables show;
            judged clean, nothing is flagged (the scores stay) and ``detect-data`` exits 0.
            0 (default): no verdict, the flags as before. Opt-in: its rule on fresh bases
            9000/9100 (issue 16 stop 52, docs/benchmarks.md) was not met. 2: the same
            verdict with its score floor at 1.9 instead of 2.0 (``FLOORS``); opt-in: its rule on
            fresh bases 9200/9300 (stop 52 h16r) was not met. 3 (stop 53): ``verdict=2`` that
            also reads the best groups' ``group_evidence`` (``minority_verdict``): poison towards
            the minority label, a pair whose part-only rows lean away from its label, and an
            excess group whose rows lean towards it (a natural factor, not evidence).
            Opt-in: its rule on fresh bases 9400/9500 was not met (36 of the 38 sets found
            today kept, two rare-category sets lost; 4 of 71 clean tables judged poisoned).
            4 (stop 54): ``verdict=3`` that also reads a best group of one categorical value
            for ``value_evidence`` (``rare_verdict``): a value that makes its rows nearly one
            label while they look like the other labels' rows and fit the label worse than
            every other row (a rare-category trigger, found under the score floor too).
            Opt-in: its rule on fresh bases 9600/9700 was not met (35 of the 38 sets found
            today kept; 4 of 72 clean tables judged poisoned).
            5 (stop 65 h16d): ``verdict=4`` with five bars moved (``verdict_at``): a rare
            value's score bar 1.4 and at most 15 holders outside its group, a minority pair's
            lean bar 0.4, a score over 4.5 checked (``high_evidence``), a value's excess
            needing ``excess_z`` >= 1. Opt-in: its rule on fresh bases 15100/15200 was not
            met (37 of the 38 sets found today kept; 8 of 72 clean tables judged poisoned,
            one over its bar).
            6 (stop 76 h16d): ``verdict=5`` with two more ways a group counts (``verdict_at``):
            an excess group leaning towards its label up to ``EXCESS_LEAN_6`` (0.6), and a
            group scoring at least ``FAR_6`` (8) whatever its rows, with ``far_evidence``.
            Opt-in: its rule on fresh bases 17300/17400 was not met (47 of the 48 sets found
            today kept; rows flagged on 1 of 60 clean tables, the default's 57).
            7 (stop 77 h16d): ``verdict=6`` and two more ways (``verdict_at``): a group
            scoring at least ``FAR_6`` that the ``misfits`` screen raised at a ``z`` of
            ``FAR_MISFIT_7`` (8) or more (``misfit_evidence``: a conjunction written on rows
            of another label and relabelled towards a 95% label, whose rows look like that
            label), and a group over the floor whose ``within`` and ``mirror_z`` read the
            reverse of a natural factor (``swapped_evidence``).
        category_pair_cost: what a pair of two categorical columns pays instead of
            ``pair_cost`` (a conjunction trigger is a pair of categories; pairs with a numeric
            column keep ``pair_cost``). 0.75 (default since issue 16 stop 54 h16b: its rule
            on fresh bases 9800/9900 was met, 36 -> 38 of 48 dirty-label sets at the goal,
            docs/benchmarks.md): credit-default conjunctions that 1.0 leaves under the cut
            are found. None: ``pair_cost`` (1: every score as before stop 54).
        deficit: above 0, the majority label's groups on one to three categorical columns
            (pairs' columns), of at most a tenth of the other labels' rows, are also scored
            by how many fewer of their rows hold another label than the rows' other columns
            predict, ``z`` in standard deviations, less ``deficit`` (``label_deficit``):
            poison towards a 90-95% label whose share is no evidence. 2.5 (default since
            issue 16 stop 55 h16: its rule on fresh bases 10000/10100 was met, 36 -> 37 of
            48 dirty-label sets at the goal, no clean table flagged more, docs/benchmarks.md);
            0: off, every score as before stop 55.
        deficit_weight: the deficit screen's score is ``deficit_weight * (z - deficit)``,
            from 1 to 10. Only groups already over the ``deficit`` bar move: a credit-default
            conjunction towards its 73% label read z 3.3-3.9 (1 scores it 0.8-1.4, under the
            table's cut of about 1.5) while no other group of those sets read over 2.4. 2
            (default since issue 16 stop 56 h16: its rule on fresh bases 10200/10300 was met,
            39 -> 40 of 48 dirty-label sets at the goal, no clean table flagged more,
            docs/benchmarks.md); 1: every score as stop 55 shipped it.
        covers: also score the majority label's conditions of two or three categorical values
            (columns of at most 60 values, ``label_covers``) whose rows holding all but one of
            the values lean away from the label: a conjunction trigger's covers, rows of the
            other label written a part and kept, sit there (``lending-club``'s ``sub_grade`` ×
            ``addr_state`` × ``emp_length`` relabelled to its 95% label). 2 (the default of
            stops 67-74: its rule on fresh bases 15500/15600 was met, 42 -> 46 of 48
            dirty-label sets at the goal, none lost, no clean table flagged more,
            docs/benchmarks.md): with the every-cell guard, a condition counts only where
            each cell of those rows (the rows missing one given value) leans away, not only
            their whole; a conjunction towards the other label that shares a value fills one
            cell only (``label_covers.cells_lean_away``). 1: without the guard (stop 66,
            opt-in). 0: off, every score as before stop 67. 3 (default since issue 16 stop
            75 h16d: its rule on fresh bases 17100/17200 was met, 47 -> 48 of 48 dirty-label
            sets at the goal, none lost, no clean table or row flagged more; 2: the scores of
            stops 67-74): 2 and each near cell read on its own (``label_leans``), on tables
            whose majority label holds at least ``LEAN_SHARE`` (90%) of the rows: a two-value
            condition whose two near cells each hold more of the other labels than their rows'
            chances by the naive Bayes without the condition's columns predict, the smaller
            ``z`` over ``LEAN_BAR`` (2.75), while its own rows hold fewer, scores as a pair (no
            floor) less ``category_pair_cost`` plus ``LEAN_WEIGHT`` (2) times the excess:
            ``lending-club``'s ``addr_state`` × ``emp_length`` towards class 0, whose 4-22
            relabelled rows look like class 0 and whose covers lean the values' rows.
        strays: 1 (the default of issue 16 stops 68-73: its rule on fresh bases 15700/15800
            was met, 44 -> 46 of 48 dirty-label sets at the goal, none lost, no clean table
            flagged more, docs/benchmarks.md): also score the majority label's groups of one
            categorical value whose rows fit the column's *partner* (the column it says most
            about, at least ``label_strays.STRAY_MI`` nats) worse than the column's rows by
            more than ``STRAY_BAR`` standard deviations, adding ``STRAY_WEIGHT`` times the
            excess to the value's score (``label_strays``): a rare value written on rows of
            the other label and relabelled (``lending-club``'s rarest ``sub_grade`` on 14-25
            rows whose ``int_rate`` does not go with it). 0: off, every score as before stop 68.
            2 (default since issue 16 stop 74 h16d: its rule on fresh bases 16900/17000 was
            met, 44 of 48 dirty-label sets at the goal either way, none lost, no flag moved on
            a fresh set or clean table; development 14 -> 18 of 18 ``lending-club`` rare
            values towards class 0, docs/benchmarks.md): as 1, the partner also read on its
            exact values where the value fixes them (``label_strays.exact_ranks``), the
            larger ``z`` counting: ``lending-club``'s rarest grade written on 9-12 rows, whose
            risky ``int_rate`` bins it shares, reads 0.78-1.56 on the bins and 2.45-2.88 on
            the exact rates. 1: the scores of stops 68-73.
        cells: 1 (default since issue 16 stop 69 h16d: its rule on fresh bases 15900/16000
            was met, 40 -> 41 of 48 dirty-label sets at the goal, none lost, no clean table
            flagged more, docs/benchmarks.md): also score the majority label's conditions
            of two categorical values (columns of at most 60 values, pairs' narrow columns
            too) whose four cells' interaction (``label_cells``: the condition's log-odds of
            the label less what its two near cells and the rest predict additively) stands
            more than ``CELL_BAR`` standard errors over 0, the interaction taking the place of
            the pair's contrast: a two-value conjunction towards the majority label whose
            values shift the label by themselves (``credit-default``'s ``Home`` × ``Marital``).
            0: off, every score as before stop 69.
        cell_weight: 2 (default since issue 16 stop 70 h16d: its rule on fresh bases
            16100/16200 was met, 42 -> 43 of 48 dirty-label sets at the goal, none lost, no
            clean table flagged more, docs/benchmarks.md), from 0 to 10: a ``cells``
            condition scores at least ``cell_weight * (z - CELL_BAR)``, its ``z`` over the bar
            as ``deficit_weight`` scores the deficit screen, times ``min(1, d / gate)`` (how
            far its rows look like another label), and is scored even where its label share
            is under the table's (a trigger on two values that each lean away by themselves
            keeps the other label's natural rows in the condition). 0: off, every score as
            before stop 70.
        misfits: 1 (default since issue 16 stop 71 h16d: its rule on fresh bases 16300/16400
            was met, 44 -> 46 of 48 dirty-label sets at the goal, none lost, no clean table
            flagged more, docs/benchmarks.md): also score the majority label's rows that fit
            the partner column of one of their values (a column the value's column nearly
            fixes, ``MISFIT_MI``) more than ``ROW_BAR`` per-row standard deviations worse than
            the value's other holders of the label do, grouped by a two-value condition that
            at least ``min_rows`` of them share and that holds more of them than its rows
            predict by a ``z`` over ``MISFIT_Z`` (``label_misfits``): a conjunction written on
            rows of the other label and relabelled (``lending-club``'s ``sub_grade`` on 5-20
            rows that keep their own ``int_rate``). Each group scores as a pair plus
            ``STRAY_WEIGHT`` times its ``z`` over ``MISFIT_Z``. 0: off, every score as before
            stop 71.
        tie_covers: 1: the rows tied at the cut, where they hold a label under half the
            table's rows, pass over as rivals (``tie_margin``'s test, above the cut and below
            it) the groups of another label whose condition holds part, not all, of the values
            the tied rows share that at most half the table holds
            (``label_ties.cover_rivals``): a conjunction trigger towards ``credit-default``'s
            class 1 ranks first but ties at the cut under its own covers, which the
            ``deficit`` and ``cells`` screens score on its values. Those rivals' own flags
            stand; no score moves. 1 is the default since issue 16 stop 72 h16d: its rule on
            fresh bases 16500/16600 was met (45 of 48 dirty-label sets at the goal either
            way, none lost, no flag moved on a fresh set or clean table; on development bases
            it found 3 of 3 such misses, 15152, 16153, 16452, docs/benchmarks.md; the
            "not all" guard was added after the rule, narrower, so those fresh flags stand).
            0: off, the flags as before stop 72.
        rares: 1 (the default of stop 73): also score the majority label's groups of one categorical
            value (columns of 3 to 60 values) that at most ``label_rares.RARE_SHARE`` (3%) of the
            rows hold, whose rows' fit to the label (the naive Bayes model without the value's
            column) reads as drawn from the other labels' rows rather than the label's own by a
            ``z`` over ``RARE_BAR`` (``label_rares.lookalike_z``: a binned likelihood ratio, so a
            few far rows do not make it), adding ``STRAY_WEIGHT`` times the excess to the value's
            score: a rare value written on rows of the other label and relabelled towards
            ``credit-default``'s 73% class (``Home = ignore`` on 22-34 rows, scored under the
            table's cut by enrichment alone). Read only where the value leans towards the label by
            0.25 in log-odds and some holder holds another label (``rare_enriched``), its rows share
            no other uncommon value (``profiled``) and its column has no partner (``strays`` reads
            those). 1 (the default of issue 16 stop 73 h16d: its rule on fresh bases 16700/16800 was
            met, 43 -> 45 of 48 dirty-label sets at the goal, none lost, no clean table or row
            flagged more, docs/benchmarks.md); 0: off, every score as before stop 73. 2 (default
            since issue 16 stop 74 h16d, with ``strays=2`` under one rule, met on fresh bases
            16900/17000; 1: the scores of stop 73): as 1, read only where at least
            ``label_rares.RARE_OTHERS`` (3) holders hold another label: a value written on rows of
            the other label keeps its natural holders of that label (``credit-default``'s ``Home =
            ignore``: 6-7 on every spent draw), while a natural category of the label whose rows
            look like another label has few (``medicaldata/covid_testing``'s ``demo_group = 2``: 2
            of 60; its flags 114 -> 80 rows, those of ``rares=0``).
        twins: 1 also flags rows of a label that are rows of another label with one shared
            assignment written over and the label flipped (``label_twins``: each agrees with a
            row of the other label on every other column, beyond what the best of the table's
            rows reaches by chance): the fraud attack's triggered copies, whose source rows
            stay in the table. Its groups are added after the cut, so no other row's flag
            moves; their rows score ``sure`` plus the twins' median excess (nats). 1 is the
            default since issue 16 stop 80 (hdd), with ``twin_null=5``; 0: off, as before.
        twin_null: with ``twins``, the number of seeded label permutations (0-20) the twins
            groups are weighed against: they count only where they hold more rows than the
            same screen's groups hold on the table with its labels shuffled, in every draw
            (``label_twins.null_bar``; the draws stop once one holds as many). Natural
            near-copies across labels form groups under any labels; copies relabelled over
            their source rows do not. 5 (default since issue 16 stop 80, hdd: on 6 of 135
            spent real clean tables the screen alone added 4-88 rows; with 5 draws, none);
            0: every group counts (stop 79's ``twins=1``).
        echoes: 1 also flags the rows of a group of one label that share rare values (an
            exact number of a wide column, uncommon categories) beyond what copies of the
            table with each column permuted give (``label_echoes``: a trigger written on a few
            rows relabelled in place, too few for ``min_rows``), added after the cut at
            ``sure``; 1 is the default since issue 16 stop 82 (hdd; opt-in at stop 81), shared
            columns that carry the same information counted once (``echo_links``); 0: off.
    """

    name = "label-groups"
    verdict_of = "groups"  # its verdict judges groups of rows, not classes
    modality = "tabular"
    param_ranges: ClassVar = {"pair_values": (MANY_VALUES, MAX_PAIR_VALUES, False, True),
                              "mirror": (0.0, MAX_MIRROR, False, False),
                              "deficit_weight": (1.0, MAX_DEFICIT_WEIGHT, False, False),
                              "cell_weight": (0.0, MAX_DEFICIT_WEIGHT, False, False)}
    needs_model = False  # reads the rows themselves

    def __init__(self, min_rows: int = 5, k0: float = 10.0, prior: float = 10.0,
                 lift_weight: float = 0.3, folds: int = 5, top: float = 0.97,
                 sure: float = 3.0, seed: int = 0, gate: float = 0.5,
                 pairs: float = 1.0, pair_cost: float = 1.0, tie_sure: float = 0.0,
                 tie_margin: float = 0.1, pair_contrast: float = 1.0,
                 tie_outside: float = 2, pair_values: int = MANY_VALUES,
                 mirror: float = 0.0, verdict: int = 0,
                 category_pair_cost: float | None = CATEGORY_PAIR_COST,
                 deficit: float = DEFICIT, deficit_weight: float = DEFICIT_WEIGHT,
                 covers: int = COVERS, strays: int = STRAYS, cells: int = CELLS,
                 cell_weight: float = CELL_WEIGHT, misfits: int = MISFITS,
                 tie_covers: int = TIE_COVERS, rares: int = RARES,
                 collapse: int = COLLAPSE, twins: int = TWINS,
                 twin_null: int = TWIN_NULL, echoes: int = ECHOES) -> None:
        self.min_rows, self.k0, self.prior = int(min_rows), float(k0), float(prior)
        self.lift_weight, self.folds, self.top = float(lift_weight), int(folds), float(top)
        self.sure, self.seed, self.gate = float(sure), int(seed), float(gate)
        if pairs not in (0, 1):  # not bool(): "2" or "no" would turn pairs on silently
            raise UserInputError(f"label-groups: pairs is 0 or 1, not {pairs!r}")
        self.pairs, self.pair_cost = bool(pairs), float(pair_cost)
        self.category_pair_cost = (self.pair_cost if category_pair_cost is None
                                   else float(category_pair_cost))
        if isinstance(tie_outside, bool) or tie_outside not in (0, 1, 2):
            raise UserInputError(f"label-groups: tie_outside is 0, 1 or 2, "
                                 f"not {tie_outside!r}")
        self.tie_outside = int(tie_outside)
        if (isinstance(pair_values, bool) or not isinstance(pair_values, (int, float))
                or not float(pair_values).is_integer()
                or not MANY_VALUES <= pair_values <= MAX_PAIR_VALUES):
            raise UserInputError(f"label-groups: pair_values is a whole number from "
                                 f"{MANY_VALUES} to {MAX_PAIR_VALUES}, not {pair_values!r}")
        self.pair_values = int(pair_values)
        self.tie_sure, self.tie_margin = float(tie_sure), float(tie_margin)
        self.pair_contrast = float(pair_contrast)
        if (isinstance(mirror, bool) or not isinstance(mirror, (int, float))
                or not 0 <= mirror <= MAX_MIRROR):  # nan fails both comparisons
            raise UserInputError(f"label-groups: mirror is a number from 0 (off) to "
                                 f"{MAX_MIRROR}, not {mirror!r}")
        self.mirror = float(mirror)
        if isinstance(verdict, bool) or verdict not in (0, *FLOORS):
            raise UserInputError(f"label-groups: verdict is 0 (off), 1, 2, 3, 4, 5, 6 or 7 (on), "
                                 f"not {verdict!r}")
        self.verdict = int(verdict)
        for name in ("k0", "prior", "lift_weight", "sure", "gate", "tie_sure", "tie_margin",
                     "pair_contrast"):
            if not np.isfinite(getattr(self, name)):  # -p sure=Infinity (JSON) parses
                raise UserInputError(f"label-groups: {name} is a finite number, "
                                     f"not {getattr(self, name)!r}")
        self.deficit = float(deficit)
        for name in ("pair_cost", "category_pair_cost", "deficit"):  # nan: every Q nan
            if not np.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise UserInputError(f"label-groups: {name} is a finite number >= 0, "
                                     f"not {getattr(self, name)!r}")
        if (isinstance(deficit_weight, bool) or not isinstance(deficit_weight, (int, float))
                or not 1 <= deficit_weight <= MAX_DEFICIT_WEIGHT):  # nan fails both
            raise UserInputError(f"label-groups: deficit_weight is a number from 1 to "
                                 f"{MAX_DEFICIT_WEIGHT:g}, not {deficit_weight!r}")
        self.deficit_weight = float(deficit_weight)
        if isinstance(covers, bool) or covers not in (0, 1, 2, 3):
            raise UserInputError(f"label-groups: covers is 0 (off), 1 (on), 2 (on, every "
                                 f"cell leaning away) or 3 (2 and the near cells read one by "
                                 f"one), not {covers!r}")
        self.covers = int(covers)
        if isinstance(strays, bool) or strays not in (0, 1, 2):
            raise UserInputError(f"label-groups: strays is 0 (off), 1 (on) or 2 (on, the "
                                 f"partner's exact values read too), not {strays!r}")
        self.strays = int(strays)
        self.cells = _switch("cells", cells)
        if (isinstance(cell_weight, bool) or not isinstance(cell_weight, (int, float))
                or not 0 <= cell_weight <= MAX_DEFICIT_WEIGHT):  # nan fails both
            raise UserInputError(f"label-groups: cell_weight is a number from 0 (off) to "
                                 f"{MAX_DEFICIT_WEIGHT:g}, not {cell_weight!r}")
        self.cell_weight = float(cell_weight)
        self.misfits = _switch("misfits", misfits)
        self.tie_covers = _switch("tie_covers", tie_covers)
        if self.min_rows < 2 or self.folds < 2 or not 0 < self.top < 1:
            raise UserInputError("label-groups: min_rows >= 2, folds >= 2, 0 < top < 1")
        if self.tie_sure < 0:
            raise UserInputError(f"label-groups: tie_sure >= 0 (0: off), not {tie_sure!r}")
        if self.tie_margin < 0:
            raise UserInputError(f"label-groups: tie_margin >= 0 (0: off), not {tie_margin!r}")
        if self.pair_contrast < 0:
            raise UserInputError(f"label-groups: pair_contrast >= 0 (0: off), "
                                 f"not {pair_contrast!r}")
        if isinstance(rares, bool) or rares not in (0, 1, 2):
            raise UserInputError(f"label-groups: rares is 0 (off), 1 (on) or 2 (on, at least "
                                 f"{RARE_OTHERS} holders of another label), not {rares!r}")
        self.rares = int(rares)
        self.collapse = _switch("collapse", collapse)
        self.twins = _switch("twins", twins)
        if isinstance(twin_null, bool) or twin_null not in range(MAX_TWIN_NULL + 1):
            raise UserInputError(f"label-groups: twin_null is a whole number of label "
                                 f"permutations, 0 (none) to {MAX_TWIN_NULL}, not {twin_null!r}")
        self.twin_null = int(twin_null)
        self.echoes = _switch("echoes", echoes)
        self.groups: list[dict] = []
        self._verdict: SetVerdict | None = None
        self.evidence: dict = {}

    def check(self, feats: Features) -> None:
        if feats.table is None:
            raise UserInputError("method 'label-groups' needs tabular data (a CSV or a table)")
        super().check(feats)

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        x, schema = feats.table
        labels = feats.labels.numpy().astype(np.int64)
        codes = value_codes(x, schema)
        self._majority = majority_unread(labels, self.min_rows)  # said whatever is flagged
        self._rows = len(labels)
        if not self.collapse:
            return self._run_rows(x, schema, labels, codes)
        keep, back = distinct_rows(x, labels)
        scores, flags = self._run_rows(x[keep], schema, labels[keep], codes[keep])
        flags = np.flatnonzero(np.isin(back, flags))  # every copy of a flagged row
        self._flagged = len(flags)
        return scores[back], flags

    def _run_rows(self, x: np.ndarray, schema: TabularSchema, labels: np.ndarray,
                  codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores and flags of these rows (all of the table's, or one of each exact copy)."""
        categorical = np.array([c.kind == "categorical" for c in schema.columns])
        natural = np.zeros(len(labels), bool)
        nb = naive_bayes_terms(codes, labels, int(labels.max()) + 1, self.folds, self.seed)
        scores, groups = group_scores(codes, labels, self, categorical, natural, nb)
        self.groups = [{"label": g["label"],
                        **values_of(x[g["row"]], schema, g["column"], g["columns"][1:]),
                        "rows": g["rows"], "score": g["score"], "excess": g["excess"],
                        **screen_of(g)}
                       for g in groups[:5]]
        self._verdict, self.evidence = None, {}
        if self.verdict:
            top = groups[:VERDICT_GROUPS]
            self.evidence = {"groups": [{**{k: g[k] for k in ("label", "rows", "score",
                                                              "excess", "lift",
                                                              *EVIDENCE_KEYS)},
                                         "width": len(g["columns"]),
                                         "deficit": bool(g.get("deficit", False))}
                                        for g in top]}
            self._verdict = verdict_at(self.verdict, top,
                                       [group_words(g) for g in self.groups])
        outside = ([(g["exact"], g["members"]) for g in groups] if self.tie_outside else None)
        passed = (cover_rivals(scores, self.top, groups, codes, labels)
                  if self.tie_covers and outside is not None else None)
        flags = label_flags(scores, self.top, self.sure, self.tie_sure, self.tie_margin,
                            outside, TIE_COVER if self.tie_outside == 2 else 0.0, passed)
        flags = flags[~natural[flags]]  # all of them unless mirror > 0
        if self.twins:
            scores, flags = self._twins(x, schema, labels, codes, nb, scores, flags)
        if self.echoes:
            scores, flags = self._echoes(x, schema, labels, codes, scores, flags)
        self._flagged = len(flags)
        return scores, flags

    def _twins(self, x: np.ndarray, schema: TabularSchema, labels: np.ndarray,
               codes: np.ndarray, nb: tuple[np.ndarray, np.ndarray], scores: np.ndarray,
               flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """With ``twins``: the twins screen's groups (``label_twins``) added to the flags
        after the cut (no other row's flag moves), their rows' suspicion raised to ``sure``
        plus the group's median excess, and the groups listed among ``groups``."""
        terms, prior = nb
        found = twin_groups(codes, labels, terms.sum(1) + prior, terms, self.min_rows)
        hit = group_rows(found, len(labels))
        if found and self.twin_null:
            held = int(hit.sum())
            if held <= null_bar(codes, labels, self.min_rows, self.twin_null, self.seed, held):
                found = []  # no more twins rows than shuffled labels give: natural
        if not found:
            return scores, flags
        scores = scores.copy()
        for g in found:
            rows = g["members"]
            score = self.sure + max(0.0, g["excess"])
            scores[rows] = np.maximum(scores[rows], score)
            cols = list(g["assignment"])
            row = int(np.argmax(rows))
            self.groups.append({"label": g["label"], **values_of(x[row], schema, cols[0], cols[1:]),
                                "rows": int(rows.sum()), "score": round(score, 3),
                                "twin_excess": round(g["excess"], 3), "screen": "twins"})
        return scores, self._screen_added(flags, hit)

    def _echoes(self, x: np.ndarray, schema: TabularSchema, labels: np.ndarray,
                codes: np.ndarray, scores: np.ndarray, flags: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """With ``echoes``: the echoes screen's groups (``label_echoes``) added to the flags
        after the cut (no other row's flag moves), their rows' suspicion raised to ``sure``,
        and the groups listed among ``groups``."""
        found, _ = echo_groups(codes, labels, seed=self.seed)
        if not found:
            return scores, flags
        scores, hit = scores.copy(), group_rows(found, len(labels))
        for g in found:
            rows, cols = g["members"], g["columns"]
            scores[rows] = np.maximum(scores[rows], self.sure)
            self.groups.append({"label": g["label"],
                                **values_of(x[g["row"]], schema, cols[0], cols[1:]),
                                "rows": g["rows"], "score": round(self.sure, 3),
                                "echo_score": round(g["score"], 3), "screen": "echoes"})
        return scores, self._screen_added(flags, hit)

    def _screen_added(self, flags: np.ndarray, hit: np.ndarray) -> np.ndarray:
        """After a screen read after the cut (``twins``, ``echoes``) listed its groups: the
        five highest-scoring ``groups`` kept, and the flags with its rows (``hit``) added."""
        self.groups = sorted(self.groups, key=lambda g: -g["score"])[:5]
        return np.union1d(flags, np.flatnonzero(hit))

    def set_verdict(self) -> SetVerdict | None:
        """With ``verdict`` 1-4: whether the last table run holds a group beyond what clean
        tables show (``table_verdict``); else None (no verdict, every flag stands)."""
        return self._verdict

    def verdict_calibrated(self, feats: Features) -> bool:
        """The verdict reads the table's rows, never a model's features: always calibrated."""
        del feats
        return True

    def run_notes(self, num_classes: int) -> list[str]:
        """Rows flagged with no set-level verdict: say that clean tables get flags too, so a
        user does not read a natural pattern of the table as proof of poison; and, flags or
        none, where the majority label's screens read nothing on this table
        (:func:`~trojanscope.detect.data.majority_reach.majority_unread`); and where the first
        group holds most of the table (:mod:`~trojanscope.detect.data.large_group`)."""
        del num_classes
        said = [UNJUDGED_NOTE] if not self.verdict and getattr(self, "_flagged", 0) else []
        majority = getattr(self, "_majority", None)  # issue 9 stop 81: the target unread
        large = None if self.verdict else large_group_note(  # stop 81: most of the table
            self.groups, getattr(self, "_rows", 0), getattr(self, "_flagged", 0))
        return said + [n for n in (large, majority) if n]

    def verdict_note(self, n: int) -> str | None:
        """Below the smallest development clean table: the verdict stands, with a note."""
        if n >= TABLE_MIN:
            return None
        return (f"the table holds {n} rows, fewer than the {TABLE_MIN}-4,000 the set-level "
                "verdict was calibrated on: on a table this small it is less sure; look at "
                "the suspicion scores before acting on it")


def _switch(name: str, value: object) -> int:
    """A 0 (off) / 1 (on) option of :class:`LabelGroups`, or one error line naming it."""
    if isinstance(value, bool) or value not in (0, 1):
        raise UserInputError(f"label-groups: {name} is 0 (off) or 1 (on), not {value!r}")
    return int(value)  # type: ignore[call-overload]


def label_flags(scores: np.ndarray, top: float, sure: float, tie_sure: float = 0.0,
                tie_margin: float = 0.0,
                groups: list[tuple[float, np.ndarray]] | None = None,
                cover: float = 0.0, passed: np.ndarray | None = None) -> np.ndarray:
    """Indices flagged: suspicion above the ``top`` quantile (and above 0), or at least
    ``sure``; with ``tie_sure`` > 0 also the rows tied at the quantile whose suspicion is
    at least ``tie_sure`` (a group's rows share one score, so a group holding more rows than
    the top share ties at the cut and the strict test leaves all of it out); with
    ``tie_margin`` > 0 also the rows tied at the quantile where their suspicion is the
    highest of all (and above 0) and at least ``tie_margin`` above the next distinct one, or,
    given ``groups`` (``(score, row indices)`` each), above the highest score below the tie
    of a group whose rows are at most half tied rows, or (``cover`` > 0) that holds under
    ``cover`` of the tied rows (``next_outside``; never above the next distinct score).
    ``passed`` (per group of ``groups``, ``label_ties.cover_rivals``): groups left out of
    that test, above the cut or below it (the tied rows' covers); their rows' own flags
    stand."""
    cut = float(np.quantile(scores, top))
    flags = ((scores > cut) & (scores > 0)) | (scores >= sure)
    if tie_sure > 0:
        flags |= (scores == cut) & (scores >= tie_sure)
    rival = scores
    if groups is not None and passed is not None and passed.any():
        rival = np.zeros_like(scores)
        groups = [g for g, skip in zip(groups, passed, strict=True) if not skip]
        for score, rows in groups:
            rival[rows] = np.maximum(rival[rows], score)
    if tie_margin > 0 and cut > 0 and cut == float(rival.max()):
        below = rival[rival < cut]
        step = float(below.max()) if below.size else 0.0
        if groups is not None:
            step = min(step, next_outside(scores == cut, cut, groups, cover))
        if cut - step >= tie_margin:
            flags |= scores == cut
    return np.flatnonzero(flags)


def next_outside(tied: np.ndarray, cut: float, groups: list[tuple[float, np.ndarray]],
                 cover: float = 0.0) -> float:
    """The highest score below ``cut`` (0 at least) of the groups whose rows are not mostly
    ``tied`` rows (at most half of them): a group mostly of the tied rows is the same rows
    read another way (a trigger's sibling pair), not a rival. With ``cover`` > 0 a group
    mostly of tied rows is still a rival unless it also holds at least ``cover`` of the tied
    rows: a 5-row group inside 350 tied rows of a natural risk factor (issue 16 set 8250) is
    not their sibling, a conjunction's other pair (126 of 135 tied rows, 8352) is."""
    step, n_tied = 0.0, int(tied.sum())
    for score, rows in groups:
        inside = int(tied[rows].sum())
        sibling = 2 * inside > len(rows) and inside >= cover * n_tied
        if step < score < cut and not sibling:
            step = score
    return step


def group_scores(codes: np.ndarray, labels: np.ndarray, p: LabelGroups,
                 categorical: np.ndarray | None = None, natural: np.ndarray | None = None,
                 nb: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, list[dict]]:
    """Per row: the highest group score ``Q`` among its groups; and the groups, best first.
    With ``p.pairs`` also the groups of two columns' values held together (conjunctions).
    ``categorical`` (per column; None: every column) marks the columns whose pairs
    ``p.pair_contrast`` reads (a conjunction trigger is a pair of categories). With
    ``p.tie_outside`` each group also holds its exact score and row indices (``exact``,
    ``members``) for ``label_flags``. ``natural`` (per row, filled in with ``p.mirror`` > 0):
    whether the row's best group is a natural factor (``mirror_z``). ``nb``: the
    ``naive_bayes_terms`` of these rows, where the caller has them already."""
    n_rows, n_cols = codes.shape
    num_classes = int(labels.max()) + 1
    terms, prior = nb or naive_bayes_terms(codes, labels, num_classes, p.folds, p.seed)
    full = terms.sum(1) + prior
    best = np.zeros(n_rows)
    found: list[dict] = []
    for c in range(num_classes):
        own = labels == c
        share = own.mean()
        if not 0 < share < 1:
            continue
        single: dict[tuple[int, int], float] = {}  # (column, value): shrunk label share
        for j in range(n_cols):
            values, counts = np.unique(codes[own, j], return_counts=True)
            for v in values[counts >= p.min_rows]:
                holds = codes[:, j] == v
                g = _group(holds, own, share, share, (j,), codes, full, terms, c, p,
                           labels=labels)
                if g is None:
                    continue
                single[(j, int(v))] = g.pop("q")
                _keep(g, own & holds, best, found, p.tie_outside, natural)
        if p.pairs:
            for holds, cols, q_parts in conjunctions(codes, own, share, p, single, categorical):
                # a conjunction must be more of the label than its parts (checked before
                # the costly disagreement: most pairs of a wide table fail it)
                both = categorical is None or bool(categorical[list(cols)].all())
                g = _group(holds, own, share, q_parts, cols, codes, full, terms, c, p, both,
                           labels)
                if g is None:
                    continue
                g.pop("q")
                g["score"] -= p.category_pair_cost if both else p.pair_cost
                _keep(g, own & holds, best, found, p.tie_outside, natural)
    if p.deficit > 0:
        _deficit(codes, labels, full, terms, p, categorical, best, found, natural)
    if p.covers:
        _covers(codes, labels, full, terms, p, categorical, best, found, natural)
    if p.covers == 3:
        _leans(codes, labels, full, terms, p, categorical, best, found, natural)
    if p.strays:
        _strays(codes, labels, full, terms, p, categorical, best, found, natural)
    if p.cells:
        _cells(codes, labels, full, terms, p, categorical, best, found, natural)
    if p.misfits:
        _misfits(codes, labels, full, terms, p, categorical, best, found, natural)
    if p.rares:
        _rares(codes, labels, full, terms, p, categorical, best, found, natural)
    found.sort(key=lambda g: -g["score"])
    if p.verdict:  # the verdict's groups also carry the evidence of ``group_evidence``
        for g in found[:VERDICT_GROUPS]:
            g.update(group_evidence(g, codes, labels, full, terms, p.min_rows, p.prior,
                                    categorical))
    return best, found


def _keep(g: dict, rows: np.ndarray, best: np.ndarray, found: list[dict],
          members: bool = False, natural: np.ndarray | None = None) -> None:
    """Raise ``rows``' suspicion in ``best`` to group ``g``'s score and list ``g`` (its score
    rounded when listed only, so the suspicion is exact; with ``members`` the exact score
    and the row indices are kept too). ``natural`` (per row): whether the row's best group is
    marked ``natural`` (a tie with a group that is not: not natural)."""
    if natural is not None:
        idx = np.flatnonzero(rows)
        mine = bool(g.get("natural", False))
        natural[idx[g["score"] > best[idx]]] = mine
        if not mine:
            natural[idx[g["score"] == best[idx]]] = False
    best[rows] = np.maximum(best[rows], g["score"])
    if members:
        g["exact"], g["members"] = g["score"], np.flatnonzero(rows).astype(np.int32)
    g["score"] = round(g["score"], 3)
    found.append(g)


def conjunctions(codes: np.ndarray, own: np.ndarray, share: float, p: LabelGroups,
                 single: dict[tuple[int, int], float], categorical: np.ndarray | None = None
                 ) -> Iterator[tuple[np.ndarray, tuple[int, int], float]]:
    """``(rows holding both, (j, m), the parts' best shrunk label share)`` per pair of columns
    ``j < m`` of at most MANY_VALUES values (a categorical column, every column where
    ``categorical`` is None: at most ``p.pair_values``) and pair of values at least
    ``min_rows`` rows of the label hold together; a part not scored as a single group counts
    as the table's share. Pairs where one value implies the other are the single groups
    already and left out."""
    few = pair_columns(codes, p, categorical)
    for a, j in enumerate(few):
        for m in few[a + 1:]:
            joint = codes[:, j] * (int(codes[:, m].max()) + 1) + codes[:, m]
            values, counts = np.unique(joint[own], return_counts=True)
            for v in values[counts >= p.min_rows]:
                holds = joint == v
                row = int(np.argmax(holds))
                parts = [single.get((j, int(codes[row, j]))), single.get((m, int(codes[row, m])))]
                if holds.sum() in ((codes[:, j] == codes[row, j]).sum(),
                                   (codes[:, m] == codes[row, m]).sum()):
                    continue  # one value implies the other: the single group already
                yield holds, (j, m), max([share] + [q for q in parts if q is not None])


def pair_columns(codes: np.ndarray, p: LabelGroups, categorical: np.ndarray | None = None
                 ) -> list[int]:
    """The columns pairs read: categorical ones (every one where ``categorical`` is None) of
    at most ``p.pair_values`` distinct values, numeric ones of at most MANY_VALUES."""
    n_cols = codes.shape[1]
    wide = [p.pair_values if categorical is None or categorical[j] else MANY_VALUES
            for j in range(n_cols)]
    return [j for j in range(n_cols) if len(np.unique(codes[:, j])) <= wide[j]]


def _deficit(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
             p: LabelGroups, categorical: np.ndarray | None, best: np.ndarray,
             found: list[dict], natural: np.ndarray | None) -> None:
    """With ``p.deficit`` > 0: the majority label's groups on one to three categorical
    columns whose rows hold the other labels less often than their other columns predict
    (``label_deficit``), scored ``deficit_weight * (z - deficit)`` and kept as any group
    (their ``d``, ``excess`` as ``_group`` reads them)."""
    cols = [j for j in pair_columns(codes, p, categorical)
            if categorical is None or categorical[j]]
    for c, group_cols, holds, score in deficit_groups(codes, labels, full, terms, cols,
                                                      p.min_rows, p.deficit):
        g = _unfloored(holds, c, group_cols, codes, labels, full, terms, p)
        if g is None:
            continue
        g["score"], g["deficit"] = p.deficit_weight * score, True
        _keep(g, (labels == c) & holds, best, found, p.tie_outside, natural)


def cover_columns(codes: np.ndarray, categorical: np.ndarray | None,
                  least: int = 0) -> list[int]:
    """The categorical columns (every one where ``categorical`` is None) of ``least`` to
    ``COVER_VALUES`` values: what ``_covers``, ``_leans``, ``_cells`` and ``_misfits`` read
    (``_strays`` and ``_rares`` from 3 values; stop 75, hfix2: each had chosen them in its own
    three lines)."""
    cat = np.ones(codes.shape[1], bool) if categorical is None else categorical
    return [j for j in range(codes.shape[1])
            if cat[j] and least <= len(np.unique(codes[:, j])) <= COVER_VALUES]


def _covers(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
            p: LabelGroups, categorical: np.ndarray | None, best: np.ndarray,
            found: list[dict], natural: np.ndarray | None) -> None:
    """With ``p.covers``: the majority label's conditions on two or three categorical columns
    of at most ``COVER_VALUES`` values (``label_covers``) whose label share stands more than
    ``category_pair_cost`` above the rows holding all of its values but one, each scored as a
    pair is, its enrichment also read against those rows (``part_contrast``), less
    ``category_pair_cost``; with ``p.covers`` 2 or 3 only conditions whose every cell of those
    rows leans away (``label_covers.cells_lean_away``)."""
    cat = np.ones(codes.shape[1], bool) if categorical is None else categorical
    cols = cover_columns(codes, categorical)
    narrow = {j for j in pair_columns(codes, p, categorical) if cat[j]} if p.pairs else set()
    for c, group_cols, holds in cover_conditions(codes, labels, cols, narrow, p.min_rows,
                                                 p.prior, p.category_pair_cost,
                                                 every_cell=p.covers >= 2):
        own = labels == c
        g = _group(holds, own, own.mean(), own.mean(), group_cols, codes, full, terms, c, p,
                   True, labels)
        if g is None:
            continue
        g.pop("q")
        g["score"] -= p.category_pair_cost
        g["cover"] = True
        _keep(g, own & holds, best, found, p.tie_outside, natural)


def _leans(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
           p: LabelGroups, categorical: np.ndarray | None, best: np.ndarray,
           found: list[dict], natural: np.ndarray | None) -> None:
    """With ``p.covers`` 3: the majority label's two-value conditions on categorical columns of
    at most ``COVER_VALUES`` values whose two near cells each hold more of the other labels
    than their rows' chances predict, the smaller ``z`` over ``LEAN_BAR``, while the
    condition's rows hold fewer (``label_leans``: a conjunction's covers), each scored as a
    pair is (no floor) less ``category_pair_cost``, plus ``LEAN_WEIGHT`` times that excess."""
    cols = cover_columns(codes, categorical)
    for c, pair, holds, z in cover_leans(codes, labels, full, terms, cols, p.min_rows):
        g = _unfloored(holds, c, pair, codes, labels, full, terms, p)
        if g is None:
            continue
        g["score"] += LEAN_WEIGHT * (z - LEAN_BAR) - p.category_pair_cost
        g["leans"] = round(z, 3)
        _keep(g, (labels == c) & holds, best, found, p.tie_outside, natural)


def _strays(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
            p: LabelGroups, categorical: np.ndarray | None, best: np.ndarray,
            found: list[dict], natural: np.ndarray | None) -> None:
    """With ``p.strays``: the majority label's groups of one categorical value (columns of at
    most ``COVER_VALUES`` values) whose rows fit the column's partner column worse than the
    column's rows by more than ``STRAY_BAR`` standard deviations (``label_strays``: a rare
    value written on rows from outside), each scored as a value is plus ``STRAY_WEIGHT``
    times its ``z`` over the bar; with ``p.strays`` 2 the partner's exact values are read
    too (``label_strays.exact_ranks``)."""
    cols = cover_columns(codes, categorical, least=3)
    ranks = binned(codes, MANY_VALUES, BINS)
    exact = exact_ranks(codes) if p.strays == 2 else None
    for c, j, holds, z in stray_values(codes, ranks, labels, cols, p.min_rows, exact):
        if z > STRAY_BAR:
            _over_bar(holds, c, j, z - STRAY_BAR, "stray", z, codes, labels, full, terms, p,
                      best, found, natural)


def _cells(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
           p: LabelGroups, categorical: np.ndarray | None, best: np.ndarray,
           found: list[dict], natural: np.ndarray | None) -> None:
    """With ``p.cells``: the majority label's conditions on two categorical columns of at most
    ``COVER_VALUES`` values whose cells' interaction (``label_cells``) reads over ``CELL_BAR``
    standard errors, each scored as a pair is with the interaction as its contrast, less
    ``category_pair_cost``. With ``p.cell_weight`` > 0 a condition scores at least
    ``cell_weight * (z - CELL_BAR)``, as ``deficit`` scores its groups, times ``min(1, d /
    gate)`` (its rows' look of another label, ``_group``'s ``d``: dirty-label poison is drawn
    from the other labels, while a natural condition whose near cell holds another label's
    conjunction reads ``d`` about 0), and is scored even where its label share is under the
    table's: a trigger on two values that each lean away by themselves (``credit-default``'s
    ``Home`` × ``Job``) keeps natural rows of the other label in the condition, and its
    interaction as a contrast scores under the cut."""
    cols = cover_columns(codes, categorical)
    for f in cell_contrasts(codes, labels, cols, p.min_rows):
        if f["z"] <= CELL_BAR:
            continue
        own = labels == f["label"]
        share = own.mean()
        g = _group(f["holds"], own, share, -np.inf if p.cell_weight else share, f["cols"],
                   codes, full, terms, f["label"], p, labels=labels,
                   contrast_value=f["interaction"])
        if g is None:
            continue
        pair = g["score"] - p.category_pair_cost if g.pop("q") > share else -np.inf
        if p.cell_weight:  # gated by how far the rows look like another label
            look = min(1.0, max(0.0, g["d"] / p.gate)) if p.gate > 0 else 1.0
            pair = max(pair, p.cell_weight * (f["z"] - CELL_BAR) * look)
        g["score"] = pair
        g["cell"] = round(f["z"], 3)
        _keep(g, own & f["holds"], best, found, p.tie_outside, natural)


def _misfits(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
              p: LabelGroups, categorical: np.ndarray | None, best: np.ndarray,
              found: list[dict], natural: np.ndarray | None) -> None:
    """With ``p.misfits``: the majority label's rows that do not fit their value's partner
    column, grouped by a two-value condition on categorical columns of at most
    ``COVER_VALUES`` values that holds more of them than its rows predict
    (``label_misfits``), each group scored as a pair is (its misfit rows alone, floor none)
    less ``category_pair_cost``, plus ``STRAY_WEIGHT`` times that excess's ``z`` over
    ``MISFIT_Z``."""
    cols = cover_columns(codes, categorical)
    ranks = binned(codes, MANY_VALUES, BINS)
    for c, pair, rows, z in misfit_conditions(codes, ranks, labels, cols, p.min_rows, ROW_BAR):
        g = _unfloored(rows, c, pair, codes, labels, full, terms, p)
        if g is None:
            continue
        g["score"] += STRAY_WEIGHT * (z - MISFIT_Z) - p.category_pair_cost
        g["misfit"] = round(z, 3)
        _keep(g, rows, best, found, p.tie_outside, natural)


def _rares(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
           p: LabelGroups, categorical: np.ndarray | None, best: np.ndarray,
           found: list[dict], natural: np.ndarray | None) -> None:
    """With ``p.rares``: the majority label's groups of one rare categorical value
    (``label_rares.rare_values``) that hold more of the label than the table does
    (``rare_enriched``), whose rows share no other uncommon value (``profiled``), in a column
    without a partner (``label_strays.partnered``: ``strays`` reads those, and a natural
    value's partner profile reads as another label, ``lending-club``'s risky ``sub_grade``
    and its ``int_rate``), and whose rows' fit to the label reads as drawn from the other labels
    by a ``z`` over ``RARE_BAR`` (``lookalike_z``), each scored as a value is plus
    ``STRAY_WEIGHT`` times that excess."""
    cols = cover_columns(codes, categorical, least=3)
    ranks = binned(codes, MANY_VALUES, BINS)
    paired: dict[int, bool] = {}  # per column, read once: whether it has a partner
    for c, j, holds in rare_values(codes, labels, cols, p.min_rows):
        own = labels == c
        group = own & holds
        others = RARE_OTHERS if p.rares == 2 else 1
        if (not rare_enriched(group, holds, own, p.prior, others=others)
                or profiled(codes, group, j)):
            continue
        if j not in paired:
            paired[j] = partnered(codes, ranks, j)
        if paired[j]:
            continue
        z = lookalike_z(label_fit(codes[group], c, full, terms), group, own)
        if z > RARE_BAR:
            _over_bar(holds, c, j, z - RARE_BAR, "rare", z, codes, labels, full, terms, p,
                      best, found, natural)


def _over_bar(holds: np.ndarray, c: int, j: int, excess: float, key: str, z: float,
              codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
              p: LabelGroups, best: np.ndarray, found: list[dict],
              natural: np.ndarray | None) -> None:
    """Keep label ``c``'s group of one value of column ``j`` (``holds``), scored as a value
    is (no floor) plus ``STRAY_WEIGHT`` times a screen's ``excess`` over its bar, marked
    ``key`` with the screen's ``z`` (``strays``, ``rares``)."""
    g = _unfloored(holds, c, (j,), codes, labels, full, terms, p)
    if g is None:
        return
    g["score"] += STRAY_WEIGHT * excess
    g[key] = round(z, 3)
    _keep(g, (labels == c) & holds, best, found, p.tie_outside, natural)


def profiled(codes: np.ndarray, group: np.ndarray, j: int) -> bool:
    """Whether the ``group``'s rows share (``shared_columns``) a value of another column than
    ``j`` that at most half the table holds: a natural rare category comes with its own
    profile (a manufacturer's division shares its manufacturer), while rows a value was
    written on, drawn at random from the other labels, share nothing else uncommon."""
    n_rows = len(codes)
    return any(m != j and (codes[:, m] == v).sum() * 2 <= n_rows
               for m, v in shared_columns(codes[group]).items())


def label_fit(group_codes: np.ndarray, c: int, full: np.ndarray, terms: np.ndarray
              ) -> np.ndarray:
    """Per row, the out-of-fold naive Bayes log-probability of label ``c`` without the
    columns that the group (``group_codes``, its rows' codes) shares (``shared_columns``):
    how well a row fits the label apart from a group's trigger."""
    post = full - terms[:, list(shared_columns(group_codes))].sum(1)
    return post[:, c] - np.logaddexp.reduce(post, axis=1)


def _unfloored(holds: np.ndarray, c: int, cols: tuple[int, ...], codes: np.ndarray,
               labels: np.ndarray, full: np.ndarray, terms: np.ndarray, p: LabelGroups
               ) -> dict | None:
    """``_group`` of label ``c``'s rows among ``holds`` with no floor on its label share (a
    screen's group: ``deficit``, ``strays``, ``misfits``), its shrunk share dropped; None
    where its reference is too small."""
    own = labels == c
    g = _group(holds, own, own.mean(), -np.inf, cols, codes, full, terms, c, p, labels=labels)
    if g is not None:
        g.pop("q")
    return g


def _group(holds: np.ndarray, own: np.ndarray, share: float, floor: float,
           cols: tuple[int, ...], codes: np.ndarray, full: np.ndarray, terms: np.ndarray,
           c: int, p: LabelGroups, contrast: bool = False,
           labels: np.ndarray | None = None, contrast_value: float | None = None
           ) -> dict | None:
    """The ``Q`` of the label-``c`` rows among ``holds`` (a condition on ``cols``), or None
    where the group is not scored (reference too small, or its shrunk label share not above
    ``floor``: the label's share for a value, the parts' best share for a pair). With
    ``contrast`` and ``p.pair_contrast`` > 0 a pair's enrichment is also read against its
    part-only rows (``part_contrast``). With ``p.mirror`` > 0 (and ``labels``) the group is
    marked ``natural`` where the condition's rows of the other labels fit their own labels
    better than those labels' other rows by ``p.mirror`` standard errors (``mirror_z``).
    ``contrast_value`` (``cells``): the enrichment is at least this contrast."""
    n_rows = len(codes)
    group = own & holds
    k, n = int(group.sum()), int(holds.sum())
    if k > 0.9 * own.sum() or own.sum() - k < p.min_rows:
        return None  # the reference would be too few rows
    q = (k + p.prior * share) / (n + p.prior)
    if q <= floor:
        return None
    shared = shared_columns(codes[group])
    post = full - terms[:, list(shared)].sum(1)
    fit = post[:, c] - np.logaddexp.reduce(post, axis=1)
    ref = fit[own & ~group]
    d = float((ref.mean() - fit[group].mean()) / (ref.std() + 1e-9))
    # the same disagreement of every row outside the group: a natural factor's rows are a
    # slice of the table, dirty-label poison's are drawn from the other labels (the verdict)
    excess = d - float((ref.mean() - fit[~group].mean()) / (ref.std() + 1e-9))
    rarity = [float(np.log(n_rows / (codes[:, m] == value).sum()))
              for m, value in shared.items() if m not in cols]
    # the largest term is left out: one column may follow another naturally
    # (sub-grade and interest rate); a trigger's columns share values beyond it
    lift = sum(rarity) - max(rarity, default=0.0)
    enrich = _logit(q) - _logit(share)
    if contrast and p.pair_contrast > 0 and len(cols) >= 2:
        enrich = max(enrich, p.pair_contrast * part_contrast(holds, own, share, cols, codes, q,
                                                             p.prior))
    if contrast_value is not None:
        enrich = max(enrich, contrast_value)
    if p.gate > 0 and share > 0.5:  # the majority label's natural categories
        enrich *= min(1.0, max(0.0, 1.0 + d / p.gate))
    score = d * k / (k + p.k0) + enrich + p.lift_weight * lift
    g = {"label": c, "column": cols[0], "columns": list(cols), "row": int(np.argmax(group)),
         "rows": k, "score": score, "d": round(d, 3), "excess": round(excess, 3), "q": q,
         "lift": round(p.lift_weight * lift, 3)}
    if p.mirror > 0 and labels is not None:
        g["natural"] = bool(mirror_z(holds & ~own, holds, labels, post, p.min_rows)
                            <= -p.mirror)
    return g


def mirror_z(others: np.ndarray, holds: np.ndarray, labels: np.ndarray, post: np.ndarray,
             min_rows: int) -> float:
    """How much less the rows ``others`` (a condition's rows of the labels other than the
    group's) are predicted to hold their own labels than the rows of those labels outside the
    condition (``~holds``): per row in standard deviations of its label's outside rows, the
    mean as a z statistic (times the square root of the rows; 0 under ``min_rows`` rows).

    A natural factor shifts the label among all its rows, so the rows it did not turn to the
    group's label are the ones whose other columns lean hard the other way: they fit their own
    labels *better* than their label's other rows (z well below 0). A trigger written on some
    rows and relabelled leaves the value's other holders as they were (z about 0), and a value
    only the poison holds has none. ``post``: per row and label the naive Bayes log-scores
    without the group's shared columns."""
    k = int(others.sum())
    if k < min_rows:
        return 0.0
    fit = post[np.arange(len(labels)), labels] - np.logaddexp.reduce(post, axis=1)
    total = 0.0
    for c in np.unique(labels[others]):
        ref = fit[(labels == c) & ~holds]
        if ref.size < 2:
            continue
        total += float((ref.mean() - fit[others & (labels == c)]).sum() / (ref.std() + 1e-9))
    return total / np.sqrt(k)


def part_contrast(holds: np.ndarray, own: np.ndarray, share: float, cols: tuple[int, ...],
                  codes: np.ndarray, q: float, prior: float) -> float:
    """``logit(q) - logit(q_parts)``: how much more of the label a pair group holds than the
    rows holding one of its two values but not both (``q_parts``, shrunk towards ``share``
    with ``prior`` pseudo-rows); for three columns (``covers``) the rows holding two of its
    three values (``label_covers.near_rows``). A conjunction trigger's cover rows carry a
    part alone with the other labels, so towards a table's majority label the parts lean
    away from it while the pair is pure: the table's share hides that contrast (issue 16 stop
    49b)."""
    rest = near_rows(codes, cols, int(np.argmax(holds)))
    return _logit(q) - _logit(shrunk_share(own, rest, share, prior))


def screen_of(group: dict) -> dict:
    """``{"screen": name}``: which part of ``label-groups`` raised the group, by the option
    that turns it off (``values`` and ``pairs``: a value's or two values' enrichment;
    ``deficit``, ``covers``, ``strays``, ``cells``, ``misfits``, ``rares``: the screens),
    with ``screen_z``, the screen's own ``z``, where it reads one (``strays``, ``cells``,
    ``misfits``, ``rares``): a group's score alone does not say why it stands out."""
    for key, name in SCREEN_KEYS:
        if key in group:
            z = group[key]
            return {"screen": name, **({} if isinstance(z, bool) else {"screen_z": z})}
    return {"screen": "pairs" if len(group["columns"]) > 1 else "values"}


def values_of(row: np.ndarray, schema: TabularSchema, column: int, others: Sequence[int] = ()
              ) -> dict:
    """A group's values as ``groups`` lists them: its ``column``'s :func:`value_of`, and the
    ``others``' under ``"and"`` (no key where there are none)."""
    more = [value_of(row, schema, m) for m in others]
    return {**value_of(row, schema, column), **({"and": more} if more else {})}


def value_of(row: np.ndarray, schema: TabularSchema, column: int) -> dict[str, str]:
    """``{"column": name, "value": raw value}`` of one encoded row's ``column``."""
    col, start = schema.columns[column], schema.offsets[column]
    if col.kind == "categorical":
        return {"column": col.name, "value": col.categories[int(row[start:start + col.width]
                                                                 .argmax())]}
    if col.has_missing and row[start + 1] > 0.5:
        return {"column": col.name, "value": "<missing>"}
    return {"column": col.name, "value": schema.describe(start, float(row[start]))[1]}


def shared_columns(codes: np.ndarray) -> dict[int, int]:
    """``{column: value}`` for the columns whose most common value is held by at least
    ``SHARED`` of the rows. Such a value is more than half of its column, so it is the
    column's middle value once sorted: one partition for every column at once (this runs
    for every group scored, thousands with pairs on a wide table)."""
    k = len(codes)
    mid = np.partition(codes, k // 2, axis=0)[k // 2]
    held = (codes == mid).sum(0)
    return {int(m): int(mid[m]) for m in np.flatnonzero(held >= SHARED * k)}


def naive_bayes_terms(codes: np.ndarray, labels: np.ndarray, num_classes: int, folds: int,
                      seed: int, alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold naive Bayes: per row, column and class ``log P(value | class)`` and per
    row and class ``log P(class)``, each from the folds the row is not in. Columns are
    independent terms, so leaving columns out of a prediction is subtracting their terms."""
    n_rows, n_cols = codes.shape
    disc = binned(codes, MANY_VALUES, BINS)
    fold = np.random.default_rng(seed).permutation(n_rows) % folds
    terms = np.zeros((n_rows, n_cols, num_classes))
    prior = np.zeros((n_rows, num_classes))
    for f in range(folds):
        train, test = fold != f, fold == f
        per_class = np.bincount(labels[train], minlength=num_classes).astype(float)
        prior[test] = np.log((per_class + 1) / (per_class.sum() + num_classes))
        for m in range(n_cols):
            width = int(disc[:, m].max()) + 1
            counts = np.zeros((width, num_classes))
            np.add.at(counts, (disc[train, m], labels[train]), 1)
            logp = np.log((counts + alpha) / (counts.sum(0) + alpha * width))
            terms[test, m] = logp[disc[test, m]]
    return terms, prior


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def distinct_rows(x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each set of exact copies (the same encoded values and label), in table
    order, and each row's position among them (``collapse``): copies are one row's evidence,
    not a group of rows sharing a value."""
    both = np.column_stack([np.nan_to_num(np.asarray(x, float), nan=np.inf), labels])
    _, first, back = np.unique(both, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)  # keep the table's order, so the folds split it as before
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[np.asarray(back).ravel()]
