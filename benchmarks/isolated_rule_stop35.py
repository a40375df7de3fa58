"""Stop 34b's rule for the isolated-bright-pixel column, applied to stop 35's fresh population
(issue 14; docs/benchmarks.md, "issue 14, stop 35"): reads the per-model JSON outputs of
``bench_detect_inputs_foreign.py`` (``auto`` and ``auto:isolated=true``) and of
``bench_detect_inputs.py`` (``mahalanobis`` and ``mahalanobis:isolated=true``), keeps each
population's prefix, in the committed order, whose scoring had finished by the committed clock
time (the file's modification time), and prints the figures and the rule's five conditions.
Without ``--cutoff`` every file in the folder counts (the committed copy of the population,
``benchmarks/data/detect_inputs/stop35``, whose files' times are the checkout's).

    PYTHONPATH=src python benchmarks/isolated_rule_stop35.py OUT_DIR --cutoff 2026-12-01T21:45:00Z
    PYTHONPATH=src python benchmarks/isolated_rule_stop35.py benchmarks/data/detect_inputs/stop35
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from foreign_zoo import plan

GOAL_AUC, GOAL_TPR = 0.98, 0.95
OWN = [("badnets", 52), ("blended", 52), ("sparse", 52), ("sig", 52), ("wanet", 52),
       ("wanet", 53), ("wanet", 54)]
ZOOS = [("s31", 10, 31, False), ("s32", 4, 32, True)]


def at_goal(row: dict) -> bool:
    return row["roc_auc"] >= GOAL_AUC and row["tpr_at_fpr"] >= GOAL_TPR


def prefix(paths: list[Path | None], cutoff: float | None) -> list[Path]:
    """The leading paths whose file exists, holds both methods and was written by ``cutoff``;
    ``None`` marks a model left out of the population (its backdoor did not take). Without a
    cutoff: every path whose file exists."""
    out = []
    for p in paths:
        if p is None or (cutoff is None and not p.is_file()):
            continue
        if not p.is_file() or (cutoff is not None and p.stat().st_mtime > cutoff):
            break
        rows = json.loads(p.read_text())
        rows = rows["rows"] if isinstance(rows, dict) else rows
        if len(rows) < 2:
            break
        out.append(p)
    return out


def foreign_paths(out: Path, zoo_root: Path, zoos: list[tuple[str, int, int, bool]] = ZOOS,
                  stem: str = "detect_inputs_isolated_stop35") -> list[Path | None]:
    """Each zoo's backdoored rows in training order (``None``: left out, its backdoor did not
    take), as ``OUT/STEM_ZOO_NAME.json``."""
    paths: list[Path | None] = []
    for zoo, per_family, seed, fresh in zoos:
        truth_file = zoo_root / f"zoo-{zoo}" / "truth.json"
        truth = {r["name"]: r for r in json.loads(truth_file.read_text())["models"]} \
            if truth_file.is_file() else {}
        for row in plan(per_family, seed, fresh):
            if not row["backdoored"]:
                continue
            meta = truth.get(row["name"])
            if meta is not None and not meta.get("effective", True):
                paths.append(None)
            else:
                paths.append(out / f"{stem}_{zoo}_{row['name']}.json")
    return paths


def has_isolated(label: str) -> bool:
    """Stop 35's candidate: the method asked for the column (the default did not name it)."""
    return "isolated" in label


def pairs(paths: list[Path], foreign: bool,
          is_candidate: Callable[[str], bool] = has_isolated) -> list[tuple[dict, dict]]:
    """(default row, candidate row) per model; ``is_candidate`` tells the candidate's method
    label (``requested`` for foreign rows, ``method`` for own ones)."""
    out = []
    for p in paths:
        rows = json.loads(p.read_text())
        rows = rows["rows"] if isinstance(rows, dict) else rows
        key = "requested" if foreign else "method"
        base = next(r for r in rows if not is_candidate(r[key]))
        cand = next(r for r in rows if is_candidate(r[key]))
        if foreign:
            for r in (base, cand):
                r["model"] = f"{Path(r['zoo']).name}/{r['model']}"
        out.append((base, cand))
    return out


def report(name: str, ps: list[tuple[dict, dict]], foreign: bool,
           candidate: str = "isolated") -> dict:
    """Per-model table and per-method summary; the candidate's under the key ``candidate``."""
    base = [b for b, _ in ps]
    cand = [c for _, c in ps]
    print(f"\n{name}: {len(ps)} models")
    print(
        f"| model | trigger | positives | default: ROC-AUC / TPR / guard FPR | with {candidate} |"
    )
    print("|---|---|---:|---|---|")
    for b, c in ps:
        trig = b.get("trigger", b["model"].split("-")[0])
        print(f"| {b['model']} | {trig} | {b['positives']} | {b['roc_auc']:.4f} / "
              f"{b['tpr_at_fpr']:.3f} / {b['guard_fpr']:.3f} | {c['roc_auc']:.4f} / "
              f"{c['tpr_at_fpr']:.3f} / {c['guard_fpr']:.3f} |")
    summary = {}
    for label, rows in (("default", base), (candidate, cand)):
        tpr = np.array([r["tpr_at_fpr"] for r in rows])
        fpr = np.array([r["guard_fpr"] for r in rows])
        auc = np.array([r["roc_auc"] for r in rows])
        fam: dict[str, list[float]] = {}
        for r in rows:
            fam.setdefault(r.get("trigger", r["model"].split("-")[0]), []).append(r["tpr_at_fpr"])
        worst_family = min(fam, key=lambda f: np.mean(fam[f]))
        summary[label] = {
            "at_goal": sum(at_goal(r) for r in rows), "mean_tpr": float(tpr.mean()),
            "worst_tpr": float(tpr.min()), "mean_auc": float(auc.mean()),
            "worst_auc": float(auc.min()), "mean_guard_fpr": float(fpr.mean()),
            "max_guard_fpr": float(fpr.max()),
            "families": {f: (float(np.mean(v)), float(np.min(v)), len(v)) for f, v in fam.items()},
            "worst_family": (worst_family, float(np.mean(fam[worst_family]))),
        }
        s = summary[label]
        print(f"{label}: {s['at_goal']}/{len(rows)} at the goal; ROC-AUC mean {s['mean_auc']:.4f} "
              f"worst {s['worst_auc']:.4f}; TPR mean {s['mean_tpr']:.3f} worst {s['worst_tpr']:.3f}"
              f"; guard FPR mean {s['mean_guard_fpr']:.4f} max {s['max_guard_fpr']:.3f}; worst "
              f"family {worst_family} {s['worst_family'][1]:.3f}")
        print("  by trigger family (mean / worst TPR, n): " + ", ".join(
            f"{f} {m:.3f} / {w:.3f} ({n})" for f, (m, w, n) in sorted(s["families"].items())))
    lost = [b["model"] for b, c in ps if at_goal(b) and not at_goal(c)]
    summary["lost"] = lost
    print(f"models at the goal without the column and not with it: {lost or 'none'}")
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder of the per-model JSON outputs")
    ap.add_argument("--zoos", type=Path, default=Path("/tmp/h14s35/zoo"))
    ap.add_argument("--cutoff", default=None, help="ISO time, e.g. 2026-12-01T21:45:00Z")
    args = ap.parse_args()
    cutoff = None if args.cutoff is None else datetime.fromisoformat(
        args.cutoff.replace("Z", "+00:00")).timestamp()
    fp = prefix(foreign_paths(args.out, args.zoos), cutoff)
    op = prefix([args.out / f"detect_inputs_isolated_stop35_{f}-s{s}.json" for f, s in OWN],
                cutoff)
    f = report("foreign", pairs(fp, True), True)
    o = report("own", pairs(op, False), False)
    conditions = {
        "0 population: >= 30 foreign and >= 5 own": len(fp) >= 30 and len(op) >= 5,
        "1 more foreign models at the goal": f["isolated"]["at_goal"] > f["default"]["at_goal"],
        "2 own: as many at the goal, mean TPR not lower by > 0.005":
            o["isolated"]["at_goal"] >= o["default"]["at_goal"]
            and o["isolated"]["mean_tpr"] >= o["default"]["mean_tpr"] - 0.005,
        "3 no model at the goal falls below it": not f["lost"] and not o["lost"],
        "4 guard FPR mean <= 0.015 each, max <= default's max + 0.01":
            all(p["isolated"]["mean_guard_fpr"] <= 0.015
                and p["isolated"]["max_guard_fpr"] <= p["default"]["max_guard_fpr"] + 0.01
                for p in (f, o)),
        "5 worst foreign trigger family not lower":
            f["isolated"]["worst_family"][1] >= f["default"]["worst_family"][1],
    }
    print()
    for k, v in conditions.items():
        print(f"condition {k}: {'met' if v else 'NOT met'}")
    print("ship isolated=true as detect-inputs' default:", all(conditions.values()))


if __name__ == "__main__":
    main()
