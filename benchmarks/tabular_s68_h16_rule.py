"""Issue 16 stop 68's rule (h16): the trees read with the candidate's parameters and scored by
the shipped file, judged on three 200-row files per fresh model against today's default.

Stop 66's rule (``tabular_s66_h16_rule.py``: D, R = D with each tree's reading replaced by its
candidate reading on the same file, conditions 1-9, the README line read by both on every
file), with two more (``benchmarks/data/tabular_s68_h16/plan.md``):

2b. credit-default's XGBoost readings (clean and backdoored): cross-entropy R <= D, and the
    higher cross-entropy of its target-0 and target-1 families R <= D's;
10. the whole split under today's default (R = D there: the candidate is read only with a
    150-300-row file) at issue 16's goal, ROC-AUC >= 0.95 and CE <= 0.30, both tables pooled
    and credit-default (stop 67's condition 10).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_rule.py --calibration C.json \
        --file0 D_CD.json D_LC.json ... --cand0 D_CD.json D_LC.json R_CD.json R_LC.json ... \
        --whole W_CD.json W_LC.json --readme README.json ...
"""

from __future__ import annotations

import numpy as np

from tabular_s64_h16_rule import CD, SHIPPED, rows_of, show
from tabular_s66_h16_rule import (
    TREES,
    arguments,
    conditions,
    judged,
    readme_scored,
    whole_entries_equal,
)
from tabular_s67_h16_rule import goal
from tabular_small_clean import _ce
from tabular_user_rule import scored

LIBRARY = "xgboost"  # the library the stop's condition 2b names


def library_ce(rows: list[dict], lib: str = LIBRARY) -> tuple[float, float, str]:
    """Credit-default's ``lib`` readings: their cross-entropy, and the higher of its target-0
    and target-1 families' (backdoors towards the class with every clean tree of ``lib``)."""
    mine = [r for r in rows if r["table"] == CD and r["arch"] == lib]
    worst = []
    for t in (0, 1):
        fam = [r for r in mine if not r["backdoored"] or r["target"] == t]
        if any(r["backdoored"] for r in fam):
            worst.append((_ce(fam), f"{lib} target {t}"))
    ce, name = max(worst) if worst else (float("nan"), "none")
    return (_ce(mine) if mine else float("nan")), ce, name


def library_conditions(d: list[dict], r: list[dict]) -> list[tuple[str, str, bool]]:
    """Condition 2b: both sides of credit-default's XGBoost cross-entropy and its worse
    target family."""
    (all_r, fam_r, name_r), (all_d, fam_d, name_d) = library_ce(r), library_ce(d)
    return [(f"2b credit-default {LIBRARY} CE R <= D", f"{all_r:.3f} vs {all_d:.3f}",
             all_r <= all_d),
            (f"2b credit-default {LIBRARY}'s worse target family CE R <= D",
             f"{fam_r:.3f} ({name_r}) vs {fam_d:.3f} ({name_d})", fam_r <= fam_d)]


def main() -> None:
    args = arguments(__doc__)
    d, r, n_cd = judged(args)
    whole = scored(rows_of(args.whole, 0), SHIPPED)[0] if args.whole else []
    if whole:
        show("whole split, today's default (= R)", whole, files=False)
    readme_scored(args.readme, args.calibration)
    trees = [x for x in r if x["arch"] in TREES]
    cpu = float(np.median([x["cpu_s"] for x in trees])) if trees else float("nan")
    if n_cd < args.least:
        print(f"rule not judged: {n_cd} credit-default models read on all three files "
              f"(< {args.least})")
        return
    rows = conditions(d, r, whole_entries_equal(args.calibration), args.readme,
                      args.calibration, cpu)
    at = next(i for i, c in enumerate(rows) if c[0].startswith("3 "))
    rows[at:at] = library_conditions(d, r)
    sides, ok = goal(whole) if whole else ("not read", False)
    rows.append(("10 whole split (R = D) at the goal, ROC-AUC >= 0.95 and CE <= 0.30", sides,
                 ok))
    met = True
    for name, sides, ok in rows:
        print(f"{'met    ' if ok else 'NOT MET'} {name}: {sides}")
        met &= ok
    print("rule met" if met else "rule not met")


if __name__ == "__main__":
    main()
