"""Stop 37's rule for the rare-position column (``mahalanobis`` ``rare=true``) as
``detect-inputs``' default (issue 14; docs/benchmarks.md, "issue 14, stop 37"): reads the
per-model JSON outputs of ``bench_detect_inputs_foreign.py`` and ``bench_detect_inputs.py``
(today's five-pass default, ``mahalanobis``, and the candidate, ``mahalanobis:rare=true``, in
the same process), keeps each population's prefix, in the committed order, whose scoring had
finished by the committed clock time (the file's modification time), and prints the figures
and the rule's conditions. The prefix and the per-population figures are stop 35's
(:mod:`isolated_rule_stop35`); the population and the conditions are this stop's. Without
``--cutoff`` every file in the folder counts (the committed copy, whose files' times are the
checkout's).

    PYTHONPATH=src python benchmarks/rare_rule_stop37.py OUT_DIR --cutoff 2026-12-02T03:45:00Z
    PYTHONPATH=src python benchmarks/rare_rule_stop37.py --files A.json B.json   # development

``--files`` reads the named outputs instead (foreign and own told apart by their rows), with
the same figures and conditions: how the development models read under the rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from isolated_rule_stop35 import at_goal, foreign_paths, prefix, report
from isolated_served_rule_stop36 import when

STEM = "rare_stop37"
OWN = [
    ("badnets", 58),
    ("blended", 58),
    ("sparse", 58),
    ("sig", 58),
    ("wanet", 58),
    ("wanet", 59),
    ("wanet", 60),
]
ZOOS = [("s34", 4, 34, True)]
MIN_FOREIGN, MIN_OWN = 10, 4
CROSS = "cross"  # the one-pixel cross, the family the column is for
MAX_LOSS = 0.01  # largest TPR a model may lose (or one triggered input, where that is more)
MAX_FPR_MEAN, MAX_FPR_RISE = 0.015, 0.01


def rare_candidate(label: str) -> bool:
    """The candidate is the row that turns the column on."""
    return "rare=true" in label.lower()


def is_foreign(path: Path) -> bool:
    """``bench_detect_inputs_foreign.py``'s rows name their zoo; ours do not."""
    rows = json.loads(path.read_text())
    rows = rows["rows"] if isinstance(rows, dict) else rows
    return bool(rows) and "zoo" in rows[0]


def pairs(paths: list[Path], foreign: bool) -> list[tuple[dict, dict]]:
    """(default row, candidate row) per model, in file and row order (a file may hold several
    models: the development runs)."""
    key = "requested" if foreign else "method"
    base: dict[str, dict] = {}
    cand: dict[str, dict] = {}
    for p in paths:
        rows = json.loads(p.read_text())
        for r in rows["rows"] if isinstance(rows, dict) else rows:
            if foreign:
                r["model"] = f"{Path(r['zoo']).name}/{r['model']}"
            (cand if rare_candidate(r[key]) else base)[r["model"]] = r
    return [(base[m], cand[m]) for m in base if m in cand]


def losses(ps: list[tuple[dict, dict]]) -> list[str]:
    """Models whose TPR at 1% FPR falls by more than ``MAX_LOSS`` (or one of its triggered
    inputs, where that is more: the weak warps have 25-125), at the goal or not."""
    out = []
    for b, c in ps:
        allowed = max(MAX_LOSS, 1.0 / max(1, b["positives"])) + 1e-9
        if b["tpr_at_fpr"] - c["tpr_at_fpr"] > allowed:
            out.append(f"{b['model']} {b['tpr_at_fpr']:.3f} -> {c['tpr_at_fpr']:.3f}")
    return out


def cross_tpr(ps: list[tuple[dict, dict]]) -> tuple[float, float, float, float, int] | None:
    """Mean and worst TPR, default then candidate, on the foreign one-pixel-cross models."""
    hit = [(b["tpr_at_fpr"], c["tpr_at_fpr"]) for b, c in ps if b.get("trigger") == CROSS]
    if not hit:
        return None
    n = len(hit)
    return (
        sum(b for b, _ in hit) / n,
        min(b for b, _ in hit),
        sum(c for _, c in hit) / n,
        min(c for _, c in hit),
        n,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, nargs="?", help="folder of the per-model JSON outputs")
    ap.add_argument("--files", type=Path, nargs="+", help="outputs to read instead of OUT")
    ap.add_argument("--zoos", type=Path, default=Path("/tmp/h14s37/zoo"))
    ap.add_argument("--cutoff", default=None, help="ISO time, e.g. 2026-12-02T03:45:00Z")
    args = ap.parse_args()
    if args.files:
        fp = [p for p in args.files if is_foreign(p)]
        op = [p for p in args.files if not is_foreign(p)]
    elif args.out is not None:
        fp = prefix(foreign_paths(args.out, args.zoos, ZOOS, STEM), when(args.cutoff))
        op = prefix([args.out / f"{STEM}_{f}-s{s}.json" for f, s in OWN], when(args.cutoff))
    else:
        ap.error("give OUT or --files")
    fpairs, opairs = pairs(fp, True), pairs(op, False)
    if not fpairs or not opairs:
        print(f"foreign models: {len(fpairs)}, own: {len(opairs)}; the rule needs both")
        print("ship rare=true as detect-inputs' default: False")
        return
    f = report("foreign", fpairs, True, "rare")
    o = report("own", opairs, False, "rare")
    ct = cross_tpr(fpairs)
    print(
        "foreign one-pixel-cross models, TPR mean / worst, default -> with the column: "
        + (
            "none"
            if ct is None
            else f"{ct[0]:.3f} / {ct[1]:.3f} -> {ct[2]:.3f} / {ct[3]:.3f} ({ct[4]} models)"
        )
    )
    lost = losses(fpairs) + losses(opairs)
    print(f"models losing more than {MAX_LOSS} TPR (or one input): {lost or 'none'}")
    off_goal = [b["model"] for b, c in fpairs + opairs if at_goal(b) and not at_goal(c)]
    conditions = {
        f"0 population: >= {MIN_FOREIGN} foreign and >= {MIN_OWN} own": len(fpairs) >= MIN_FOREIGN
        and len(opairs) >= MIN_OWN,
        "1 as many models at the goal, foreign and own": all(
            p["rare"]["at_goal"] >= p["default"]["at_goal"] for p in (f, o)
        ),
        "2 the one-pixel cross improved: mean TPR higher, worst not lower": ct is not None
        and ct[2] > ct[0]
        and ct[3] >= ct[1],
        f"3 no model loses more than {MAX_LOSS} TPR (or one input); none leaves the goal": not lost
        and not off_goal,
        f"4 guard FPR mean <= {MAX_FPR_MEAN} each, max <= default's max + {MAX_FPR_RISE}": all(
            p["rare"]["mean_guard_fpr"] <= MAX_FPR_MEAN
            and p["rare"]["max_guard_fpr"] <= p["default"]["max_guard_fpr"] + MAX_FPR_RISE
            for p in (f, o)
        ),
        "5 worst foreign trigger family not lower": f["rare"]["worst_family"][1]
        >= f["default"]["worst_family"][1],
    }
    print()
    for k, v in conditions.items():
        print(f"condition {k}: {'met' if v else 'NOT met'}")
    print("ship rare=true as detect-inputs' default:", all(conditions.values()))


if __name__ == "__main__":
    main()
