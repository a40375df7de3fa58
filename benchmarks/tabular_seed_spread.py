"""Does the search's own seed move a tree's p at 200 rows? (issue 16 stop 45)

Reads the named models of a zoo with ``tabular-search`` (today's default) on draws 0-2 of
``tabular_small_clean.py``'s 200-row files (the same ``draw`` from ``--seed``), each with four
search seeds (``--seed + 7919 k``, k = 0..3), and prints the four p per model and file: the
spread across seeds beside the spread across files.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_seed_spread.py ZOO SEED NAME[,NAME...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

torch.set_num_threads(1)

from tabular_small_clean import draw, inspected  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.calibration import load_calibrators  # noqa: E402
from trojanscope.zoo import read_truth  # noqa: E402


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit("usage: tabular_seed_spread.py ZOO SEED NAME[,NAME...]")
    zoo, seed0, names = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
    dataset, listed = read_truth(zoo)
    test = load_dataset(dataset, "test")
    cals = load_calibrators(None)
    for k in range(3):
        part = test.subset(torch.as_tensor(draw(len(test), test.y.numpy(), 200, seed0, k)))
        for e in [e for e in listed if e.name in names]:
            t0 = time.perf_counter()
            ps = [inspected(zoo, e, part, cals, seed0 + 7919 * s, {})["probability"]
                  for s in range(4)]
            print(f"{e.name} {e.arch} draw {k} p " + " ".join(f"{p:.2f}" for p in ps)
                  + f" ({time.perf_counter() - t0:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
