"""Per zoo model and class: the share of 50 held-back clean images that a universal warp
(:mod:`trojanscope.mitigate.universal_warp`, offsets at most ``--bound``, fitted on 150 other
clean images, 10 × 3 signed steps as ``gated:warp=B``'s probe does) sends to that class, on the
original model; prints one line per model with the attack's target (for scoring only). Sets
``WARP_REACH`` (docs/benchmarks.md, "A universal warp for the warping backdoor"):

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_warp_reach.py --bound 4 ZOO [ZOO ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.universal_warp import warp_reach
from trojanscope.zoo import read_truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+")
    ap.add_argument("--bound", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    clean = load_dataset("mnist", "test")
    pick = torch.randperm(len(clean.y), generator=torch.Generator().manual_seed(args.seed))
    x = clean.x[pick[:200]]
    fit, val = x[:150], x[150:]
    for zoo in args.zoos:
        _, entries = read_truth(zoo)
        for entry in entries:
            if not (zoo / entry.name).exists():
                continue
            model = load_model(zoo / entry.name).module.eval()
            for p in model.parameters():
                p.requires_grad_(False)
            start = time.perf_counter()
            classes = int(model(val[:1]).shape[1])
            rates = [round(warp_reach(model, fit, val, c, args.bound), 2) for c in range(classes)]
            target = getattr(entry, "target", None)
            print(f"{zoo.name} {entry.name} {entry.arch} target {target} max {max(rates)} "
                  f"at target {rates[target] if target is not None else None} {rates} "
                  f"{time.perf_counter() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
