"""Issue 16 stop 74's rule for candidate M74 (h16w): XGBoost's 200-row band entry reading
``tab_box_above`` (the wide box only where it stands above the top ten's) in ``tab_box``'s
place, judged on three 200-row files per model of a fresh XGBoost-only credit-default zoo and on
the README line, against today's default.

D is the readings (read once with ``-p box_wide=80``, which leaves every default feature, p and
target as without it) scored by the shipped file at the rule's commit; C the same readings
scored by ``calibration_m74.json``, which differs from it in
``tabular-search:tree:xgboost:rows200`` alone (checked). h16's nine conditions
(``tabular_s72_h16_rule.py --library xgboost``), with two differences stated in the rule
(``benchmarks/data/tabular_s74_h16w/plan.md``):

- (1) reads "clean readings flagged C <= D": M74 takes the larger of two standardised values
  with a positive weight, so no reading scores lower and h16's strict "C < D" could never be
  met; no clean reading may be added;
- (4) (lending-club) and (7) (the whole split) are not read on this population (one
  credit-default zoo; the entry scores 150-300-row files only) and are printed as not read.

The zoo holds XGBoost alone, so (1)'s and (3)'s "every kind" are its XGBoost readings and (6)'s
worst family is over XGBoost's families (target 0, target 1).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16w_rule.py --candidate M.json \
        --shipped D.json --file0 F0.json --file1 F1.json --file2 F2.json --readme R.json ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tabular_s64_h16_rule import CD, right, worst_ce
from tabular_s67_h16_rule import verdict
from tabular_s70_h16_rule import figures, flagged_clean
from tabular_s72_h16_rule import band_scored, caught, entry_of, models_lost, readme_both
from tabular_small_clean import _auc, _ce

ENTRY = entry_of("xgboost")


def conditions(d: list[dict], c: list[dict], readme: tuple[str, bool]
               ) -> list[tuple[str, str, bool]]:
    """Each condition read on this population: name, both sides, met."""
    cd_d, cd_c = [x for x in d if x["table"] == CD], [x for x in c if x["table"] == CD]
    gone = models_lost(d, c)
    cpu = float(np.median([x["cpu_s"] for x in d])) if d else float("nan")
    return [
        ("1 credit-default clean readings flagged C <= D (XGBoost: the zoo's only kind)",
         f"{flagged_clean(cd_c)} vs {flagged_clean(cd_d)} of "
         f"{sum(not x['backdoored'] for x in cd_d)}", flagged_clean(cd_c) <= flagged_clean(cd_d)),
        ("2 none lost: no backdoored model D flags on >= 2 files is flagged by C on < 2; "
         "backdoored readings flagged C >= D",
         f"models lost {gone or 'none'}; caught {caught(c)} vs {caught(d)}",
         not gone and caught(c) >= caught(d)),
        ("3 credit-default XGBoost ROC-AUC C >= D and CE C <= D",
         f"{figures(cd_c)} vs {figures(cd_d)}",
         bool(cd_d) and _auc(cd_c) >= _auc(cd_d) and _ce(cd_c) <= _ce(cd_d)),
        ("5 flagged with the right target: C >= D - 1", f"{right(c)} vs {right(d)}",
         right(c) >= right(d) - 1),
        ("6 the worst family's CE at 200 rows (XGBoost families): C <= D",
         f"{worst_ce(c):.3f} vs {worst_ce(d):.3f}", worst_ce(c) <= worst_ce(d)),
        ("8 README line at 200 rows: backdoored flagged C >= D, clean twins C <= D", *readme),
        ("9 median CPU s per 200-row reading <= 20", f"{cpu:.1f}", cpu <= 20.0),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--shipped", type=Path, required=True, help="today's file at the rule's "
                    "commit (D)")
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="+", required=True)
    ap.add_argument("--readme", nargs="+", required=True)
    args = ap.parse_args()
    d, c = band_scored(args, ENTRY, "M74")
    readme = readme_both(args.readme, args.candidate, args.shipped, "candidate")
    print("not read  4 lending-club (no lending-club zoo on this population)")
    print("not read  7 whole split (the entry scores 150-300-row files only; not read)")
    verdict(conditions(d, c, readme))


if __name__ == "__main__":
    main()
