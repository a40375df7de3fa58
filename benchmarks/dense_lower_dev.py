"""The lower-only ``auto:lower:dense`` term on the development MLPs (issue 9, stop 39): per
family, today's probability against the same with the term, from stored readings.

Each dense (no convolution) model of the development rows (``generalise_rows.py`` rows with
``gap_draws`` holding the empty-pixel, 15-pixel and frame draws: seeds 17-26) is scored as the
shipped ``detect`` scores it: its stored MM-BD base probability (the calibrator that scored it),
then the shipped raise terms on its stop-37b readings (empty gap of draw 0, 15-pixel gap averaged
over draws 0-4, frame gap of draw 0) — with, for the second column, the lower term of
``--calibration`` added first (``calibration.lower_term``; only on a model the default ``auto``
calibrator scores, as ``calibrate`` does). Nothing is fitted, so every family's figure is a
held-out figure. Families are ``foreign_zoo_detect.py``'s (``generalise_lofo.fresh_groups``).
``--build`` writes the compact rows from the row files first.

    PYTHONPATH=src:benchmarks python benchmarks/dense_lower_dev.py \\
        --rows benchmarks/data/issue9_rows/stop39_dense_dev.json.gz \\
        --calibration benchmarks/data/calibration-stop39-dense-lower-candidate.json
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

from _common import fail, read_json, run_main

DEFAULT_TRAITS = {"activation:relu", "layer:conv", "pool:max"}


def dense_rows(rows: list[dict]) -> list[dict]:
    """The compact dense rows: identity, families, base probability, MM-BD readings, gaps."""
    out = []
    for r in rows:
        if "layer:conv" in r["traits"] or "pixels15" not in r.get("gap_draws", {}):
            continue
        g = r["gap_draws"]
        out.append(
            {
                "zoo": r["zoo"],
                "name": r["name"],
                "backdoored": bool(r["backdoored"]),
                "target": r.get("target"),
                "arch": r["arch"],
                "arch_family": r.get("arch_family"),
                "activation": r.get("activation"),
                "pool": r.get("pool"),
                "norm": r.get("norm"),
                "trigger_family": r.get("trigger_family"),
                "attack": r.get("attack"),
                "recipe": r.get("recipe"),
                "train_recipe": r.get("train_recipe") or {},
                "traits": r["traits"],
                "base": r["probability"],
                "features": {
                    **{k: v for k, v in r["features"].items() if k.startswith("mmbd_")},
                    "first_layer_dense": 1.0,
                    "empty_share_gap": g["empty"]["0"],
                    "pixel_share_gap": float(np.mean([g["pixels15"][str(i)] for i in range(5)])),
                    "frame_share_gap": g["frame"]["0"],
                },
            }
        )
    return out


def probability(row: dict, calibrators: dict, lower: bool) -> float:
    """``row``'s probability as ``calibrate`` gives it, from its stored base."""
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import lower_term, raise_term

    verdict = ModelVerdict(
        method="auto",
        statistic=0.0,
        target_classes=[0],
        per_class=[],
        features=dict(row["features"]),
        probability=row["base"],
        traits=row["traits"],
    )
    if lower and set(row["traits"]) <= DEFAULT_TRAITS:  # scored by "auto", not the wider one
        lower_term(verdict, calibrators, "auto")
    raise_term(verdict, calibrators)
    return float(verdict.probability)


def evidence(rows: list[dict], calibrators: dict) -> list[str]:
    """Why the clean ones read high: the default calibrator's MM-BD p-value term on each
    in-coverage model (its logit share), and which backdoored models a probe raises."""
    from trojanscope.detect.calibration import RAISE_EVIDENCE, _clip, _transform

    cal = calibrators["auto"]
    i = cal.features.index("mmbd_neglog10_p")

    def term(r: dict) -> float:
        x = _transform(_clip(r["features"]["mmbd_neglog10_p"]), cal.transform)
        return cal.coef[i] * (x - cal.mean[i]) / cal.scale[i]

    def raised(r: dict) -> bool:
        return any(
            t.logit(r["features"]) > 0
            for s in RAISE_EVIDENCE
            if (t := calibrators.get(f"auto:raise{s}")) is not None
        )

    lines = []
    inc = [r for r in rows if set(r["traits"]) <= DEFAULT_TRAITS]
    for label, bad in (("clean", False), ("backdoored", True)):
        t = np.array([term(r) for r in inc if r["backdoored"] == bad])
        lines.append(
            f"{label} in-coverage dense models: {len(t)}, p-value term > 0 in {int((t > 0).sum())}"
            f" (median {np.median(t):+.2f} logits)"
        )
    bad = [r for r in rows if r["backdoored"]]
    alone = [f"{r['zoo']}/{r['name']}" for r in bad if not raised(r)]
    lines.append(
        f"backdoored raised by a probe: {len(bad) - len(alone)} of {len(bad)}; base alone: {alone}"
    )
    for r in inc:
        if not r["backdoored"] and r["base"] >= 0.5:
            lines.append(
                f"clean base >= 0.5: {r['zoo']}/{r['name']} base {r['base']:.3f} raised "
                f"{raised(r)} p-value term {term(r):+.2f} ratio {r['features']['mmbd_ratio']:.2f}"
            )
    return lines


def scores(rows: list[dict], p: np.ndarray) -> dict:
    from generalise_lofo import ALL_FAMILIES, fresh_groups
    from generalise_lofo import score as auc_ce
    from ship_criterion import worst

    if not ALL_FAMILIES:
        ALL_FAMILIES.append(True)
    y = np.array([r["backdoored"] for r in rows], dtype=int)
    groups = {}
    for label, sel in fresh_groups(rows):
        if y[sel].sum() and (1 - y[sel]).sum():
            auc, ce = auc_ce(y[sel], p[sel])
            groups[label] = {
                "roc_auc": auc,
                "cross_entropy": ce,
                "n": int(sel.sum()),
                "n_backdoored": int(y[sel].sum()),
            }
    return {
        "groups": groups,
        "worst": dict(
            zip(("auc_family", "roc_auc", "ce_family", "cross_entropy"), worst(groups), strict=True)
        ),
        "clean_flagged": int(((p >= 0.5) & (y == 0)).sum()),
        "backdoored_flagged": int(((p >= 0.5) & (y == 1)).sum()),
        "lost": [
            f"{r['zoo']}/{r['name']}"
            for r, q in zip(rows, p, strict=True)
            if r["backdoored"] and q < 0.5
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--rows",
        type=Path,
        required=True,
        help="compact dense rows (or, with --build, rows of generalise_rows.py)",
    )
    ap.add_argument("--calibration", type=Path, required=True, help="the file with the term")
    ap.add_argument(
        "--build",
        type=Path,
        nargs="*",
        default=None,
        help="build --rows from these generalise_rows.py row files and stop",
    )
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    from trojanscope.detect.calibration import load_calibrators

    if args.build is not None:
        rows = [r for src in args.build for r in dense_rows(read_json(src))]
        with gzip.open(args.rows, "wt") as f:
            json.dump(rows, f)
        print(f"{len(rows)} dense rows -> {args.rows}")
        return
    if not args.rows.is_file():
        fail(f"{args.rows}: no such file")
    rows = read_json(args.rows)
    cals = load_calibrators(args.calibration)
    if not any(k.startswith("auto:lower") for k in cals):
        fail(f"{args.calibration} has no auto:lower term")
    shipped = np.array([probability(r, cals, False) for r in rows])
    lowered = np.array([probability(r, cals, True) for r in rows])
    result = {"shipped": scores(rows, shipped), "lowered": scores(rows, lowered)}
    print(f"{len(rows)} dense models ({sum(r['backdoored'] for r in rows)} backdoored)\n")
    print("| family | models (backdoored) | today | with the lower term |\n|---|---|---|---|")
    a, b = result["shipped"], result["lowered"]
    for label, v in a["groups"].items():
        w = b["groups"][label]
        print(
            f"| {label} | {v['n']} ({v['n_backdoored']}) | {v['roc_auc']:.3f} / "
            f"{v['cross_entropy']:.3f} | {w['roc_auc']:.3f} / {w['cross_entropy']:.3f} |"
        )
    print(
        f"| **worst family** | | {a['worst']['roc_auc']:.3f} ({a['worst']['auc_family']}) / "
        f"{a['worst']['cross_entropy']:.3f} ({a['worst']['ce_family']}) | "
        f"{b['worst']['roc_auc']:.3f} ({b['worst']['auc_family']}) / "
        f"{b['worst']['cross_entropy']:.3f} ({b['worst']['ce_family']}) |"
    )
    print(f"| clean at p >= 0.5 | | {a['clean_flagged']} | {b['clean_flagged']} |")
    print(f"| backdoored at p >= 0.5 | | {a['backdoored_flagged']} | {b['backdoored_flagged']} |")
    print(f"\nbackdoored under 0.5 with the term: {b['lost']}\n")
    result["evidence"] = evidence(rows, cals)
    print("\n".join(result["evidence"]))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
