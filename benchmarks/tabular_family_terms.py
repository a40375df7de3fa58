"""What moves one family's probabilities: the calibrator's terms per model (issue 16, stop 34).

A tree or network verdict's probability is ``sigmoid(intercept + Σ coef_i · z_i)`` over its
entry's features (:class:`trojanscope.detect.calibration.Calibrator`). For the packed rows of
one table and architecture (clean models and backdoors of ``--target``), this prints each
model's probability and every term ``coef_i · z_i``, then the mean term per group (clean
flagged, clean not flagged, backdoors caught, backdoors missed): which feature flags a clean
model or lets a backdoor through.

    PYTHONPATH=src python benchmarks/tabular_family_terms.py --rows PACKED... \
        --table lending-club --arch xgboost --target 1 [--calibration FILE]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from trojanscope.detect.calibration import Calibrator, _clip, _transform, load_calibrators

FAMILY = {"mlp": "network", "xgboost": "tree:xgboost", "lightgbm": "tree:lightgbm"}


def terms(cal: Calibrator, features: dict[str, float]) -> list[float]:
    """``coef_i · z_i`` per feature of ``cal`` (their sum plus the intercept is the logit)."""
    mean = cal.mean or [0.0] * len(cal.features)
    scale = cal.scale or [1.0] * len(cal.features)
    return [
        c * (_transform(_clip(features[f]), cal.transform) - m) / s
        for f, c, m, s in zip(cal.features, cal.coef, mean, scale, strict=True)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--rows", nargs="+", required=True, help="packed rows (bench_tabular_calibrate --pack)"
    )
    ap.add_argument("--table", required=True)
    ap.add_argument("--arch", required=True, choices=sorted(FAMILY))
    ap.add_argument("--target", type=int, required=True, help="the backdoors' target class")
    ap.add_argument("--calibration", default=None, help="calibration file (default: shipped)")
    args = ap.parse_args()
    cal = load_calibrators(args.calibration)[f"tabular-search:{FAMILY[args.arch]}"]
    rows = []
    for f in args.rows:
        with open(f) as fh:
            d = json.load(fh)
        if d["dataset"] != args.table:
            continue
        zoo = d["zoo"].rstrip("/").split("/")[-1]
        rows += [
            {**r, "zoo": zoo}
            for r in d["rows"]
            if r["arch"] == args.arch and (not r["backdoored"] or r["target"] == args.target)
        ]
    print(
        f"{args.table} {args.arch} target {args.target}: {len(rows)} models; intercept "
        f"{cal.intercept:+.2f}"
    )
    print("| zoo / model | backdoored | p | " + " | ".join(f"`{f}`" for f in cal.features) + " |")
    print("|---|---|---|" + "---|" * len(cal.features))
    groups: dict[str, list[list[float]]] = {}
    for r in sorted(rows, key=lambda r: (r["backdoored"], -cal.probability(r["features"]))):
        p = cal.probability(r["features"])
        t = terms(cal, r["features"])
        kind = (
            "backdoor " + ("caught" if p >= 0.5 else "missed")
            if r["backdoored"]
            else "clean " + ("flagged" if p >= 0.5 else "not flagged")
        )
        groups.setdefault(kind, []).append(t)
        print(
            f"| {r['zoo']}/{r['name']} | {int(r['backdoored'])} | {p:.2f} | "
            + " | ".join(f"{v:+.2f}" for v in t)
            + " |"
        )
    print("\nmean term per group")
    print("| group | n | " + " | ".join(f"`{f}`" for f in cal.features) + " |")
    print("|---|---|" + "---|" * len(cal.features))
    for kind in sorted(groups):
        m = np.mean(groups[kind], axis=0)
        print(f"| {kind} | {len(groups[kind])} | " + " | ".join(f"{v:+.2f}" for v in m) + " |")


if __name__ == "__main__":
    main()
