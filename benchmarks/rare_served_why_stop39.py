"""Why the rare-position column lowers the one-pass served guard on a model short of the goal
(issue 14, stop 39; measurement only, after the decision): per model (foreign ``ZOO/NAME`` or
one of our own run folders), the served guard's set-up with the column
(``mahalanobis:transforms=[]:rare=true:isolated=false``) fitted as the benchmark fits it (same
split, same generator, :func:`fit_guard` on the fit half), and on the held-out half and its
triggered copies on which the backdoor fires:

- the share of clean and of triggered inputs with any bright pixel at a rare position (the raw
  count above 0), and the column's mean standardised value on each;
- the fused score's ROC-AUC / TPR at 1% FPR with the column and with the same fitted columns
  less the rare one (``sumsq`` of the positive columns, as the detector fuses them).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/rare_served_why_stop39.py \\
        SPEC [SPEC ...] --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.input_level.base import fit_guard
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.detect.input_level.rare import rare_count
from trojanscope.io.atomic import write_text_atomic

sys.path.insert(0, str(Path(__file__).parent))

from detect_inputs_cross_columns import load_run
from detect_inputs_short_foreign import FPR, separation


def diagnose(spec: Path, seed: int) -> dict:
    """The module docstring's figures for the model ``spec``."""
    _, model, attack = load_run(spec)
    clean = load_dataset("mnist", "test")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
        det = Mahalanobis(transforms=[], rare=True, isolated=False)
        fit_guard(model, det, guard_x, fpr=FPR, generator=gen)
        pos_x = trig_x[fires]
        zn, zp = det._raw(neg_x).double(), det._raw(pos_x).double()
        cn, cp = (rare_count(x, det.floor_, det.bright_span_, det.rare_at_) for x in (neg_x, pos_x))

    def fuse(z: torch.Tensor) -> torch.Tensor:
        return z.clamp_min(0).square().sum(1)

    return {
        "model": f"{spec.parent.name}/{spec.name}",
        "positives": int(fires.sum()),
        "rare_positions": int(det.rare_at_.sum()),
        "clean_with_rare_pixel": float((cn > 0).float().mean()),
        "triggered_with_rare_pixel": float((cp > 0).float().mean()),
        "rare_z_mean_clean": float(zn[:, -1].mean()),
        "rare_z_mean_triggered": float(zp[:, -1].mean()),
        "with_rare": separation(fuse(zn), fuse(zp)),
        "without_rare": separation(fuse(zn[:, :-1]), fuse(zp[:, :-1])),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for spec in args.models:
        rows.append(diagnose(spec, args.seed))
        print(json.dumps(rows[-1]), flush=True)
        write_text_atomic(args.out, json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
