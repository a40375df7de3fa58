"""`gated`'s gate with and without the calibration file's lower-only terms, per zoo model.

``auto:lower:dense`` (issue 9, stop 39) takes back, on a model without a convolution, what the
``auto`` calibrator's MM-BD p-value term adds when MM-BD finds nothing. `gated` treats a model
at p >= its gate (0.2), so the term can only move an MLP from treated to gated out. For each
model the detector runs once, on exactly the clean samples a mitigation gets (the split of
``bench_mitigate_gate.py``), and its verdict is calibrated twice: with the shipped file, and
with every ``…:lower…`` term left out. Diagnostic only: it decides nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/gate_lower_term.py ZOO --out OUT.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import torch

from trojanscope import registry
from trojanscope.data.dataset import stratified_split
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.calibration import LOWER, calibrate, load_calibrators
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import DEFAULT_GATE
from trojanscope.zoo import read_truth


def read_zoo(zoo: Path, detector: str, holdout: float, seed: int) -> list[dict]:
    """One row per model: p with the shipped file and without its lower-only terms, and the
    lower term's logits (0.0 where it did not apply)."""
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    fit_idx, _ = stratified_split(clean.y.numpy(), holdout, seed)
    fit = clean.subset(fit_idx)
    shipped = load_calibrators()
    without = {k: c for k, c in shipped.items() if f":{LOWER}" not in k}
    rows = []
    for e in entries:
        model = load_model(zoo / e.name).module
        start = time.perf_counter()
        raw = registry.create("detector", detector).inspect(
            model, fit, input_shape=fit.input_shape, num_classes=None, seed=seed
        )
        now = calibrate(copy.deepcopy(raw), shipped)
        old = calibrate(copy.deepcopy(raw), without)
        rows.append(
            {
                "name": e.name,
                "attack": e.attack,
                "backdoored": e.backdoored,
                "p": round(float(now.probability or 0.0), 4),
                "p_without_lower": round(float(old.probability or 0.0), 4),
                "lower_logit": round(float(now.features.get("lower_logit", 0.0)), 3),
                "suspect": now.target_classes[0] if now.target_classes else None,
                "seconds": round(time.perf_counter() - start, 1),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--detector", default="auto")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gate", type=float, default=DEFAULT_GATE)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = read_zoo(args.zoo, args.detector, args.holdout, args.seed)
    write_text_atomic(args.out, json.dumps(rows, indent=2) + "\n")
    print("| model | p (shipped) | p without the lower term | lower term (logits) | gate |")
    print("|---|---|---|---|---|")
    for r in rows:
        now, old = r["p"] >= args.gate, r["p_without_lower"] >= args.gate
        gate = "treated" if now else "gated out"
        if now != old:
            gate += " (treated without the term)" if old else " (gated out without the term)"
        print(
            f"| {r['name']} | {r['p']:.3f} | {r['p_without_lower']:.3f} | "
            f"{r['lower_logit']:+.2f} | {gate} |"
        )


if __name__ == "__main__":
    main()
