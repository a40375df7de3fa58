"""What reads a SIG backdoor that `gated`'s detector gates out: striped reach towards every class.

For each zoo model, on exactly the clean samples a mitigation gets (``bench_mitigate.py``'s
split) and on the second stage's own split of them (``hold_back``, a quarter held back): the
detector's calibrated p and ranked classes, and for every class ``c`` the share of the
held-back images outside ``c`` that one striped perturbation (one row repeated down the image,
at most ``eps`` per pixel, fitted on the other images) sends to ``c``
(:func:`~trojanscope.mitigate.residual.perturbation_asr`, the probe `gated` already uses
towards the suspect). No reading uses the attack's trigger; the zoo's truth (attack, target) is
written next to the readings for the reader only. Diagnostic: it decides nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/sig_stripe_scan.py ZOO [ZOO ...] \\
        --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from trojanscope.data.dataset import stratified_split
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import UNLEARN, detector_verdict
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.residual import perturbation_asr
from trojanscope.zoo import read_truth


def scan_zoo(zoo: Path, holdout: float, seed: int, eps: list[float],
             detector: str = "auto", attacks: set[str] | None = None) -> list[dict]:
    """One row per model (only those whose attack, or ``clean``, is in ``attacks`` when
    given): p, the detector's ranked classes and each class's striped reach."""
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    fit_idx, _ = stratified_split(clean.y.numpy(), holdout, seed)
    clean = clean.subset(fit_idx)
    classes = sorted(set(int(c) for c in clean.y.tolist()))
    rows = []
    for e in entries:
        if attacks and (e.attack or "clean") not in attacks:
            continue
        model = load_model(zoo / e.name).module
        start = time.perf_counter()
        verdict = detector_verdict(detector, model, clean, seed)
        detect_s = time.perf_counter() - start
        for prm in model.parameters():
            prm.requires_grad_(True)
        fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        start = time.perf_counter()
        reach = {str(r): [round(perturbation_asr(model, fit, val, c, r), 3) for c in classes]
                 for r in eps}
        rows.append({
            "zoo": zoo.name, "name": e.name, "attack": e.attack, "backdoored": e.backdoored,
            "target": e.target, "p": round(float(verdict.probability or 0.0), 4),
            "ranked": list(verdict.target_classes)[:3], "reach": reach,
            "detect_s": round(detect_s, 1), "scan_s": round(time.perf_counter() - start, 1)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eps", default="0.1,0.2,0.3", help="comma-separated bounds per pixel")
    ap.add_argument("--attacks", default="", help="comma-separated (clean for clean models)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    eps = [float(v) for v in args.eps.split(",")]
    rows: list[dict] = []
    for zoo in args.zoos:
        rows += scan_zoo(zoo, args.holdout, args.seed, eps,
                         attacks=set(filter(None, args.attacks.split(","))))
        write_text_atomic(args.out, json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
