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
from collections.abc import Callable
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


def pairs(
    paths: list[Path], foreign: bool, keep: Callable[[str], bool] | None = None
) -> list[tuple[dict, dict]]:
    """(default row, candidate row) per model, in file and row order (a file may hold several
    models: the development runs); ``keep``: only the rows whose method label it accepts (a
    file that also holds other methods' rows)."""
    key = "requested" if foreign else "method"
    base: dict[str, dict] = {}
    cand: dict[str, dict] = {}
    for p in paths:
        rows = json.loads(p.read_text())
        for r in rows["rows"] if isinstance(rows, dict) else rows:
            if keep is not None and not keep(r[key]):
                continue
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


def populations(
    args: argparse.Namespace, ap: argparse.ArgumentParser, stem: str, own: list, zoos: list
) -> tuple[list[Path], list[Path]]:
    """The foreign and own outputs the rule counts: ``--files`` as given, or OUT's prefix in the
    committed order whose scoring finished by ``--cutoff``."""
    if args.files:
        return [p for p in args.files if is_foreign(p)], [
            p for p in args.files if not is_foreign(p)
        ]
    if args.out is None:
        ap.error("give OUT or --files")
    fp = prefix(foreign_paths(args.out, args.zoos, zoos, stem), when(args.cutoff))
    op = prefix([args.out / f"{stem}_{f}-s{s}.json" for f, s in own], when(args.cutoff))
    return fp, op


def family_condition(f: dict, bound: float | None) -> tuple[str, bool]:
    """Condition 5: the worst foreign trigger family's mean TPR with the column against
    today's. ``bound`` None: not lower at all (stop 37); a number X: lower by at most X, or by
    one triggered input of each of today's worst family's models where that is more (stop 38)."""
    now, cand = f["default"]["worst_family"][1], f["rare"]["worst_family"][1]
    if bound is None:
        return "5 worst foreign trigger family not lower", cand >= now
    name = f["default"]["worst_family"][0]
    allowed = max(bound, f["default"]["one_input"][name])
    return (
        f"5 worst foreign trigger family lower by at most {bound} TPR (or one input per model; "
        f"here {allowed:.4f}): {now:.4f} -> {cand:.4f}",
        cand >= now - allowed - 1e-9,
    )


def decide(
    fpairs: list[tuple[dict, dict]],
    opairs: list[tuple[dict, dict]],
    family_bound: float | None = None,
    what: str = "rare=true as detect-inputs' default",
) -> bool:
    """Prints the figures and conditions 0-5; whether every one is met (``what``: the change
    decided, named in the last line)."""
    if not fpairs or not opairs:
        print(f"foreign models: {len(fpairs)}, own: {len(opairs)}; the rule needs both")
        print(f"ship {what}: False")
        return False
    f = report("foreign", fpairs, True, "rare")
    o = report("own", opairs, False, "rare")
    f["default"]["one_input"] = {
        fam: sum(1.0 / max(1, b["positives"]) for b, _ in fpairs if b.get("trigger") == fam) / n
        for fam, (_, _, n) in f["default"]["families"].items()
    }
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
    fam_text, fam_met = family_condition(f, family_bound)
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
        fam_text: fam_met,
    }
    print()
    for k, v in conditions.items():
        print(f"condition {k}: {'met' if v else 'NOT met'}")
    ship = all(conditions.values())
    print(f"ship {what}:", ship)
    return ship


def arguments(
    zoos: str, doc: str | None = None, serve: bool = False
) -> tuple[argparse.Namespace, argparse.ArgumentParser]:
    """The rule scripts' command line (``doc``: the caller's description; ``serve``: also
    ``--serve``, a load test's output)."""
    ap = argparse.ArgumentParser(description=(doc or __doc__).splitlines()[0])
    ap.add_argument("out", type=Path, nargs="?", help="folder of the per-model JSON outputs")
    ap.add_argument("--files", type=Path, nargs="+", help="outputs to read instead of OUT")
    ap.add_argument("--zoos", type=Path, default=Path(zoos))
    ap.add_argument("--cutoff", default=None, help="ISO time, e.g. 2026-12-02T03:45:00Z")
    if serve:
        ap.add_argument("--serve", type=Path, default=None, help="bench_serve.py's JSON output")
    return ap.parse_args(), ap


def main() -> None:
    args, ap = arguments("/tmp/h14s37/zoo")
    fp, op = populations(args, ap, STEM, OWN, ZOOS)
    decide(pairs(fp, True), pairs(op, False))


if __name__ == "__main__":
    main()
