"""Issue 16 stop 75 (h16d): the rule of ``benchmarks/data/tabular_s75_h16d/plan.md`` for
``label-groups -p covers=3``, on the rows of ``tabular_candidate_sets.py`` (dirty-label sets,
default and candidate scored in one process) and ``tabular_clean_tables.py`` (clean tables).

met = (1) more sets at the goal (flags TPR ≥ 0.95 at FPR ≤ 0.05): at least one gained,
(2) none lost, (3) FPR ≤ 0.05 on every set, bundled clean sets included, (4) rows flagged on
no more clean tables than the default, (5) no more clean rows flagged than the default's
(1.00×), (6) per table the median time per set ≤ 1.5× the default's
(``tabular_s66_h16d_rule.judge`` with gain 1). The family the candidate was built for
(``lending-club`` conjunctions towards class 0) is printed set by set.

    python benchmarks/tabular_s75_h16d_rule.py --default A_default.json … --candidate \
        A_candidate.json … --clean-default C_default.json … --clean-candidate C_candidate.json …
"""

from __future__ import annotations

from tabular_s66_h16d_rule import report, rule_rows
from tabular_s72_h16d_rule import family_rows

GAIN, TIME_RATIO, CLEAN_ROWS = 1, 1.5, 1.0
FAMILY = ("lending-club", "tabular-conjunction", 0)  # where development saw the misses


def main() -> None:
    default, candidate, clean_d, clean_c = rule_rows(__doc__.splitlines()[0])
    report(default, candidate, clean_d, clean_c, "covers=3", GAIN, TIME_RATIO, CLEAN_ROWS)
    family_rows(default, candidate, FAMILY)


if __name__ == "__main__":
    main()
