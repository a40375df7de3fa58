"""Issue 16 stop 67's rule (h16): LightGBM's trees read with ``-p box_rank=bound_lightgbm``
and scored by the candidate file, judged on three 200-row files per fresh model against
today's default.

Stop 66's rule (``tabular_s66_h16_rule.py``, conditions 1-7 and 9 as there) with R = D but for
each LightGBM tree's reading, replaced by its bound reading on the same file (``--candK``: D's
files, then the bound files, which override), every reading scored by ``--calibration``. The
README line (``--readme``: ``tabular_s67_h16_readme200.py`` rows) is an XGBoost model, which
``bound_lightgbm`` reads as today: condition 8 is met when the candidate file's XGBoost entries
are the shipped ones and every candidate reading of the line equals today's reading of the same
file (p within 1e-9); its clean twins' readings flagged under R are then D's, stated. Condition
10: the whole split under today's default (R = D there: the candidate changes no entry outside
the 200-row band) at issue 16's goal, ROC-AUC >= 0.95 and CE <= 0.30 (both tables pooled and
credit-default).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16_rule.py --calibration C.json \
        --file0 D_CD.json D_LC.json ... --cand0 D_CD.json D_LC.json B_CD.json B_LC.json ... \
        --whole W_CD.json W_LC.json --readme README.json ...
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import figures
from tabular_s64_h16_rule import CD, SHIPPED, rows_of, show
from tabular_s66_h16_rule import (
    arguments,
    conditions,
    judged,
    readme_counts,
    whole_entries_equal,
    xgboost_entries_equal,
)
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored

GOAL_AUC, GOAL_CE = 0.95, 0.30  # issue 16's model-level goal


def readme_check(paths: list[str], calibration: Path) -> tuple[list, bool, str]:
    """The README line's readings: today's scored by the shipped file, whether each candidate
    reading equals today's on its file, and a line of both."""
    rows = [{**r, "table": CD} for p in paths for r in json.loads(Path(p).read_text())["rows"]]
    today = scored([r for r in rows if r["reading"] == "today"], SHIPPED)[0] if rows else []
    cand = [r for r in rows if r["reading"] == "candidate"]
    cand = scored(cand, calibration)[0] if cand else []
    p = {(r["zoo"], r["name"], r["draw"]): r["probability"] for r in today}
    same = bool(cand) and all(abs(p[(r["zoo"], r["name"], r["draw"])] - r["probability"]) <= 1e-9
                              for r in cand)
    bd, n_bd, cl, n_cl = readme_counts(today)
    text = (f"today: {figures(today)}; backdoored flagged {bd}/{n_bd}, clean twins flagged "
            f"{cl}/{n_cl}; candidate readings ({len(cand)}) equal today's: {same}")
    return today, same, text


def goal(rows: list[dict]) -> tuple[str, bool]:
    cd = [r for r in rows if r["table"] == CD]
    ok = all(_auc(x) >= GOAL_AUC and _ce(x) <= GOAL_CE for x in (rows, cd))
    return (f"pooled {_auc(rows):.3f} / {_ce(rows):.3f}, credit-default {_auc(cd):.3f} / "
            f"{_ce(cd):.3f}", ok)


def verdict(rows: list[tuple[str, str, bool]]) -> None:
    """Each condition met or not with both sides, then the rule's verdict (stop 69's rule
    prints its own so)."""
    met = True
    for name, sides, ok in rows:
        print(f"{'met    ' if ok else 'NOT MET'} {name}: {sides}")
        met &= ok
    print("rule met" if met else "rule not met")


def main(doc: str = __doc__, extra=None) -> None:
    """The rule; ``extra(d, r)``: more conditions (name, sides, met), put before condition 3
    (stop 68's rule adds its XGBoost condition so)."""
    args = arguments(doc)
    d, r, n_cd = judged(args)
    whole = scored(rows_of(args.whole, 0), SHIPPED)[0] if args.whole else []
    if whole:
        show("whole split, today's default (= R)", whole, files=False)
    _, same, text = readme_check(args.readme, args.calibration) if args.readme else ([], False,
                                                                                    "not read")
    print(f"README line at 200 rows: {text}")
    bound = [x for x in r if x["arch"] == "lightgbm"]
    cpu = float(np.median([x["cpu_s"] for x in bound])) if bound else float("nan")
    if n_cd < args.least:
        print(f"rule not judged: {n_cd} credit-default models read on all three files "
              f"(< {args.least})")
        return
    rows = [c for c in conditions(d, r, whole_entries_equal(args.calibration), [],
                                  args.calibration, cpu) if not c[0].startswith("8 ")]
    if extra is not None:
        at = next(i for i, c in enumerate(rows) if c[0].startswith("3 "))
        rows[at:at] = extra(d, r)
    xgb_same = xgboost_entries_equal(args.calibration)
    sides = (f"entries {'equal' if xgb_same else 'differ'}, readings "
             f"{'equal' if same else 'differ or unread'}")
    rows.insert(-1, ("8 README line (XGBoost) under R = D: XGBoost entries as shipped and the "
                     "candidate readings equal today's", sides, xgb_same and same))
    sides, ok = goal(whole) if whole else ("not read", False)
    rows.append(("10 whole split (R = D) at the goal, ROC-AUC >= 0.95 and CE <= 0.30", sides,
                 ok))
    verdict(rows)


if __name__ == "__main__":
    main()
