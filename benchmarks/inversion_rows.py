"""Per-class trigger-inversion numbers for every model of a foreign zoo (issue 9, stop 32).

The blind spot of the shipped detector is label-smoothed, SGD/cosine-trained ReLU models with
frame-like triggers: MM-BD's margins read the logit scale, which these recipes shrink. Neural
Cleanse's statistic is an input-space one — how many pixels a mask must replace to send the
clean inputs of the other classes to a class — and does not read the logit scale (its success
is an argmax). This script runs the shipped ``neural_cleanse`` detector (its defaults, a
generator seeded 0) on every model of a ``foreign_zoo.py`` folder and records, per class, the
reversed mask's L1 norm, its attack success and epochs, and the seconds it took, so that
model-level features can be built and compared without running it again
(``inversion_features.py``). Rows of a finished model are kept (resumable).

    python benchmarks/inversion_rows.py --zoo zoo-recipes17 --out out/nc_recipes17.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch

sys.path.insert(0, str(Path(__file__).parent))
from generalise_rows import foreign
from trojanscope.data import load_dataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.neural_cleanse import NeuralCleanse


def nc_row(target: InspectionTarget, steps: int, seed: int) -> dict:
    """Neural Cleanse's per-class numbers and its seconds for one model."""
    t0 = time.perf_counter()
    verdict = NeuralCleanse(steps=steps).run(target, torch.Generator().manual_seed(seed))
    per_class = sorted(verdict.per_class, key=lambda p: p.cls)
    return {
        "nc_norms": [p.details["l1_norm"] for p in per_class],
        "nc_success": [p.details["attack_success"] for p in per_class],
        "nc_epochs": [p.details["epochs"] for p in per_class],
        "nc_features": verdict.features,
        "nc_s": time.perf_counter() - t0,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", type=Path, required=True, help="A foreign_zoo.py folder.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=50, help="Neural Cleanse's most epochs per class.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shard", default="0/1")
    args = ap.parse_args()
    torch.set_num_threads(1)
    i, n = (int(v) for v in args.shard.split("/"))
    done = json.loads(args.out.read_text()) if args.out.is_file() else {}
    clean = load_dataset(args.zoo / "clean.npz", "all")
    for j, (meta, load) in enumerate(foreign(args.zoo)):
        key = f"{args.zoo.name}/{meta['name']}"
        if j % n != i or key in done:
            continue
        model = load().eval()
        for p in model.parameters():
            p.requires_grad_(False)
        target = InspectionTarget(model, tuple(clean.x.shape[1:]), 10, clean)
        done[key] = nc_row(target, args.steps, args.seed)
        args.out.write_text(json.dumps(done))
        norms = done[key]["nc_norms"]
        print(
            key,
            meta.get("backdoored"),
            meta.get("target"),
            [round(v, 1) for v in norms],
            f"{done[key]['nc_s']:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
