"""Two input detectors side by side from ``bench_detect_inputs.py`` outputs: per model ROC-AUC and
TPR at the benchmark's FPR (and ART's STRIP where it ran), models at the goal, per-family mean
and worst TPR, and the sixth round's decision rule (docs/benchmarks.md, issue 14), or with
``--rule seventh`` the seventh round's (more fresh models at the goal than the old design; its
foreign-model condition is checked apart, by ``detect_inputs_columns.py``), or with ``--rule
confirm`` the confirmation run's (one design, no ``--old``: met if and only if every model is at
the goal).

    python benchmarks/detect_inputs_compare.py OUT.json [OUT.json ...] --new mahalanobis \\
        --old "mahalanobis(menu=median+blur+binarise)"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

GOAL_AUC, GOAL_TPR, MAX_GUARD_FPR = 0.98, 0.95, 0.015


def at_goal(row: dict) -> bool:
    return row["roc_auc"] >= GOAL_AUC and row["tpr_at_fpr"] >= GOAL_TPR


def family(model: str) -> str:
    return model.rsplit("-", 1)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outputs", type=Path, nargs="+")
    ap.add_argument("--new", required=True, help="the new design's method label")
    ap.add_argument("--old", default=None, help="the design it would replace (not with "
                    "--rule confirm)")
    ap.add_argument("--rule", choices=("sixth", "seventh", "confirm"), default="sixth")
    args = ap.parse_args()
    if (args.old is None) != (args.rule == "confirm"):
        ap.error("--old is needed by the sixth and seventh rules and not taken by confirm")
    if args.old is None:
        args.old = args.new  # one design: its column is printed twice
    by: dict[str, dict[str, dict]] = {}
    for path in args.outputs:
        for r in json.loads(path.read_text())["rows"]:
            by.setdefault(r["model"], {})[r["method"]] = r
    order = sorted(by, key=lambda m: (int(m.rsplit("-s", 1)[1]), m))
    print("| model | new: ROC-AUC / TPR | old: ROC-AUC / TPR | ART STRIP: ROC-AUC / TPR | "
          "new: passes, guard FPR | positives |")
    print("|---|---|---|---|---|---:|")
    for m in order:
        cells = []
        for key in (args.new, args.old, "ART strip"):
            r = by[m].get(key)
            mark = "" if r is None or key == "ART strip" or at_goal(r) else "**"
            cells.append("–" if r is None else
                         f"{r['roc_auc']:.4f} / {mark}{r['tpr_at_fpr']:.3f}{mark}")
        n = by[m][args.new]
        print(f"| {m} | {' | '.join(cells)} | {n['forward_passes_per_input']}, "
              f"{n['guard_fpr']:.3f} | {n['positives']}/{n['triggered']} |")
    print()
    stats = {}
    for key in dict.fromkeys((args.new, args.old, "ART strip")):
        rows = [by[m][key] for m in order if key in by[m]]
        if not rows:
            continue
        fams: dict[str, list[float]] = {}
        for r in rows:
            fams.setdefault(family(r["model"]), []).append(r["tpr_at_fpr"])
        worst = min(fams, key=lambda f: np.mean(fams[f]))
        stats[key] = {"goal": sum(at_goal(r) for r in rows), "n": len(rows),
                      "fams": fams, "guard_fpr": float(np.mean([r["guard_fpr"] for r in rows]))}
        auc = [r["roc_auc"] for r in rows]
        tpr = [r["tpr_at_fpr"] for r in rows]
        print(f"{key}: {stats[key]['goal']}/{len(rows)} at the goal; ROC-AUC mean "
              f"{np.mean(auc):.4f} worst {min(auc):.4f}; TPR mean {np.mean(tpr):.3f} worst "
              f"{min(tpr):.3f}; guard FPR mean {stats[key]['guard_fpr']:.3f}; worst family "
              f"{worst} (mean TPR {np.mean(fams[worst]):.3f}, worst {min(fams[worst]):.3f})")
        print("   by family (mean / worst TPR): " + "; ".join(
            f"{f} {np.mean(v):.3f} / {min(v):.3f}" for f, v in sorted(fams.items())))
    new, old = stats[args.new], stats[args.old]
    if args.rule == "confirm":
        short = [m for m in order if not at_goal(by[m][args.new])]
        print(f"\ndecision rule (confirm): {new['goal']}/{new['n']} at the goal; short: "
              f"{short or 'none'}\n  -> the detection figure is "
              + ("met on this population" if not short else "NOT met on this population"))
        return
    lost = [m for m in order if at_goal(by[m][args.old]) and not at_goal(by[m][args.new])]
    wanet_new, wanet_old = (np.mean(s["fams"].get("wanet", [np.nan])) for s in (new, old))
    checks = [(f"1. at the goal: new {new['goal']} >= old {old['goal']}",
               new["goal"] >= old["goal"]),
              (f"2. WaNet mean TPR: new {wanet_new:.3f} > old {wanet_old:.3f}",
               bool(wanet_new > wanet_old)),
              (f"3. models the old design has at the goal that the new one loses: {lost or 'none'}",
               not lost),
              (f"4. new mean guard FPR {new['guard_fpr']:.3f} <= {MAX_GUARD_FPR}",
               new["guard_fpr"] <= MAX_GUARD_FPR)]
    if args.rule == "seventh":
        checks = [(f"1. at the goal: new {new['goal']} > old {old['goal']} (a tie keeps the old)",
                   new["goal"] > old["goal"]),
                  (f"   (models the old design has at the goal that the new one loses: "
                   f"{lost or 'none'})", True)]
    print("\ndecision rule:")
    for text, ok in checks:
        print(f"  {'pass' if ok else 'FAIL'}  {text}")
    print("  -> " + ("the new design replaces the old" if all(ok for _, ok in checks)
                     else "the old design stays"))


if __name__ == "__main__":
    main()
