"""`knn-filter` on a user's small image file (stop 76, hcmd): how many of the training samples
the filter drops at each `k`, on the file as given and with a BadNets poison planted in it, so
the cost of today's `k=20` on a 200-image file and what a smaller `k` would give are measured,
not guessed. Nothing is trained: the filter alone (``KnnFilter.kept``) on the samples `train`
hands it (the file's fixed `train` split, 160 of 200).

The plant: 10% of the samples not of class `target` (seeded draw), a white 4x4 patch one pixel
in from the bottom-right corner (as the first-contact makers' ``triggered.npz``), relabelled
to `target` 0.

    PYTHONPATH=src:benchmarks python benchmarks/knn_filter_small_s76.py FILE.npz [FILE.npz ...] \
        --k 3 5 10 20 --seed 0 > rows.jsonl

One JSON line per file and `k`: the train split's size and smallest class, samples dropped on
the file as given, and with the plant the dropped count, the poison caught and its share.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.defences.knn_filter import KnnFilter
from trojanscope.errors import UserInputError

RATE, TARGET = 0.1, 0


def plant(x: torch.Tensor, y: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor,
                                                                 np.ndarray]:
    """``x``, ``y`` with the module docstring's BadNets plant, and the planted indices."""
    others = np.flatnonzero(y.numpy() != TARGET)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(others, max(1, round(RATE * len(y))), replace=False))
    x, y = x.clone(), y.clone()
    x[idx, :, -5:-1, -5:-1] = 1.0
    y[idx] = TARGET
    return x, y, idx


def rows(path: Path, ks: list[int], seed: int) -> list[dict]:
    """The JSON rows of one file (module docstring)."""
    data = load_dataset(path, split="train")
    x, y = data.get_batch(torch.arange(len(data)))
    px, py, idx = plant(x, y, seed)
    counts = torch.bincount(y)
    out = []
    for k in ks:
        kept, _ = KnnFilter(k=k).kept(x, y)
        pkept, _ = KnnFilter(k=k).kept(px, py)
        caught = int((~pkept[idx]).sum())
        out.append({"file": str(path), "k": k, "n": len(y),
                    "smallest_class": int(counts[counts > 0].min()),
                    "dropped_clean": int((~kept).sum()),
                    "dropped_planted": int((~pkept).sum()), "poison": len(idx),
                    "poison_caught": caught, "poison_caught_share": round(caught / len(idx), 3)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--k", type=int, nargs="+", default=[3, 5, 10, 20])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        for path in args.files:
            for row in rows(path, args.k, args.seed):
                print(json.dumps(row), flush=True)
    except (UserInputError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
