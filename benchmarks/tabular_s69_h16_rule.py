"""Issue 16 stop 69's rule (h16): LightGBM's targets named by the bound recurrence with a
200-row file (``-p target_recur=lightgbm``, candidate N69), judged on three 200-row files per
fresh model against today's default.

D is today's default (``tabular_small_clean.py --detect`` readings, ``--fileK``: one rows file
per table, every reading scored by the shipped file); R is D with each LightGBM reading named
as ``target_recur`` names it from its own features (``tabular_s69_h16_named.recur_name``; the
option changes no feature and no probability), checked against real readings with the option
(``--check``: file 0's LightGBM trees of both tables). Conditions
(``benchmarks/data/tabular_s69_h16/plan.md``):

1. credit-default's flagged backdoored LightGBM readings named right: R > D;
2. named right R >= D for credit-default, lending-club and both tables pooled;
3. credit-default's flagged LightGBM backdoors towards class 0 named right: R >= D - 1;
4. every probability R = D (within 1e-9): ROC-AUC / CE of credit-default, its XGBoost and
   LightGBM readings, lending-club and both pooled, the worst family, as D's;
5. the whole split (R = D: the option reads only a file in a size band) at issue 16's goal,
   ROC-AUC >= 0.95 and CE <= 0.30, pooled and credit-default;
6. the README line (XGBoost, read as today by the option): the candidate readings of its files
   equal today's (p and name), its clean twins' readings flagged stated (R = D);
7. the real readings with the option name as derived and hold D's probabilities;
8. the median one-core CPU seconds per real 200-row LightGBM reading with the option <= 20.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s69_h16_rule.py \
        --file0 D_CD.json D_LC.json --file1 ... --file2 ... --check N_CD.json N_LC.json \
        --whole W_CD.json W_LC.json --readme README.json ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import figures, worst
from tabular_s64_h16_rule import CD, LC, SHIPPED, complete, right, rows_of, show
from tabular_s66_h16_rule import readme_counts
from tabular_s67_h16_rule import goal, verdict
from tabular_s69_h16_named import recur_name
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored

LIBRARY = "lightgbm"


def renamed(rows: list[dict]) -> list[dict]:
    """R: the LightGBM readings named as ``target_recur`` names them."""
    return [{**r, "predicted_target": recur_name(r)} if r["arch"] == LIBRARY else r
            for r in rows]


def key(r: dict) -> tuple:
    return (r["zoo"], r["name"], r["draw"])


def named_right(rows: list[dict], table: str | None = None, arch: str | None = None,
                target: int | None = None) -> int:
    return right([r for r in rows if (table is None or r["table"] == table)
                  and (arch is None or r["arch"] == arch)
                  and (target is None or r.get("target") == target)])


def same_probabilities(d: list[dict], r: list[dict]) -> tuple[str, bool]:
    """Every figure of the probabilities: both sides and whether all are equal."""
    def parts(rows: list[dict]) -> list[tuple[str, list[dict]]]:
        cd = [x for x in rows if x["table"] == CD]
        return [("credit-default", cd),
                ("its xgboost", [x for x in cd if x["arch"] == "xgboost"]),
                ("its lightgbm", [x for x in cd if x["arch"] == LIBRARY]),
                ("lending-club", [x for x in rows if x["table"] == LC]), ("pooled", rows)]
    moved = max(abs(a["probability"] - b["probability"]) for a, b in zip(d, r, strict=True))
    text = "; ".join(f"{name} {_auc(x):.3f} / {_ce(x):.3f}" for name, x in parts(r) if x)
    return (f"{text}; worst {worst(r)}; largest change of p {moved:.1e}",
            moved <= 1e-9 and worst(r) == worst(d))


def check(paths: list[str], d0: list[dict]) -> tuple[str, bool, float]:
    """The real readings with the option against R's names and D's probabilities on file 0."""
    want = {key(r): r for r in renamed(d0) if r["arch"] == LIBRARY}
    real = [r for r in rows_of(paths, 0) if r["arch"] == LIBRARY]
    if not real:
        return "not read", False, float("nan")
    real = scored(real, SHIPPED)[0]
    names = sum(key(r) in want and r["predicted_target"] == want[key(r)]["predicted_target"]
                for r in real)
    moved = max(abs(r["probability"] - want[key(r)]["probability"]) if key(r) in want
                else 1.0 for r in real)
    cpu = float(np.median([r["cpu_s"] for r in real]))
    return (f"{len(real)} readings, names as derived {names}, largest change of p {moved:.1e}",
            names == len(real) and moved <= 1e-9, cpu)


def readme(paths: list[str]) -> tuple[str, bool]:
    """The README line's readings: today's, and whether each candidate reading equals today's
    on its file (p and name)."""
    rows = [{**r, "table": CD} for p in paths for r in json.loads(Path(p).read_text())["rows"]]
    today = scored([r for r in rows if r["reading"] == "today"], SHIPPED)[0] if rows else []
    cand = [r for r in rows if r["reading"] == "candidate"]
    cand = scored(cand, SHIPPED)[0] if cand else []
    base = {key(r): r for r in today}
    same = bool(cand) and all(
        key(r) in base and abs(base[key(r)]["probability"] - r["probability"]) <= 1e-9
        and base[key(r)]["predicted_target"] == r["predicted_target"] for r in cand)
    bd, n_bd, cl, n_cl = readme_counts(today)
    return (f"today {figures(today) if today else '-'}; backdoored flagged {bd}/{n_bd}, clean "
            f"twins flagged {cl}/{n_cl}; {len(cand)} candidate readings equal today's: "
            f"{same}", same)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="+", required=True)
    ap.add_argument("--check", nargs="*", default=[])
    ap.add_argument("--whole", nargs="+", default=[])
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--least", type=int, default=10)
    args = ap.parse_args()
    d = complete([x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)])
    d = sorted(scored(d, SHIPPED)[0], key=key)
    r = renamed(d)
    n_cd = len({x["name"] for x in d if x["table"] == CD})
    print(f"{len(d)} readings of {len({(x['zoo'], x['name']) for x in d})} models read on all "
          f"three files ({n_cd} credit-default)")
    show("D (today's default), 200 rows", d)
    for x in d:
        if x["arch"] == LIBRARY and x["backdoored"] and x["probability"] >= 0.5:
            print(f"  {x['zoo']}/{x['name']} file {x['draw']} target {x['target']}: named "
                  f"{x['predicted_target']} -> {recur_name(x)} (lead "
                  f"{x['features']['tab_major_recur_lead']:.2f}, p {x['probability']:.3f})")
    whole = scored(rows_of(args.whole, 0), SHIPPED)[0] if args.whole else []
    if whole:
        show("whole split, today's default (= R)", whole, files=False)
    if n_cd < args.least:
        print(f"rule not judged: {n_cd} credit-default models read on all three files "
              f"(< {args.least})")
        return
    checked, check_ok, cpu = check(args.check, [x for x in d if x["draw"] == 0])
    line_text, line_ok = readme(args.readme) if args.readme else ("not read", False)
    both = lambda **k: (named_right(r, **k), named_right(d, **k))  # noqa: E731
    lgb, t0 = both(table=CD, arch=LIBRARY), both(table=CD, arch=LIBRARY, target=0)
    cd, lc, pooled = both(table=CD), both(table=LC), both()
    probs, probs_ok = same_probabilities(d, r)
    goal_text, goal_ok = goal(whole) if whole else ("not read", False)
    rows = [
        ("1 credit-default LightGBM named right R > D", f"{lgb[0]} vs {lgb[1]}", lgb[0] > lgb[1]),
        ("2 credit-default named right R >= D", f"{cd[0]} vs {cd[1]}", cd[0] >= cd[1]),
        ("2 lending-club named right R >= D", f"{lc[0]} vs {lc[1]}", lc[0] >= lc[1]),
        ("2 both tables named right R >= D", f"{pooled[0]} vs {pooled[1]}",
         pooled[0] >= pooled[1]),
        ("3 credit-default LightGBM target 0 named right R >= D - 1", f"{t0[0]} vs {t0[1]}",
         t0[0] >= t0[1] - 1),
        ("4 every probability R = D", probs, probs_ok),
        ("5 whole split (R = D) at the goal, ROC-AUC >= 0.95 and CE <= 0.30", goal_text,
         goal_ok),
        ("6 README line (XGBoost) R = D", line_text, line_ok),
        ("7 real readings with the option as derived", checked, check_ok),
        ("8 median CPU s per 200-row LightGBM reading with the option <= 20", f"{cpu:.1f}",
         cpu <= 20.0),
    ]
    verdict(rows)


if __name__ == "__main__":
    main()
