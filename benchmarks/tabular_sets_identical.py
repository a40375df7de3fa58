"""Check that ``bench_tabular_detect.py``'s sets before stop 47 are byte-identical with another
checkout's (issue 16 stop 47: the conjunction family was appended with seeds of its own).

Prints one SHA-256 per set (rows and labels, as the detector reads them) of this checkout's
``benchmark_sets(base, conjunctions=False)``; run it under both checkouts and ``diff``.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_sets_identical.py --base 7000
"""

from __future__ import annotations

import argparse
import hashlib

import numpy as np

import bench_tabular_detect as bench
from trojanscope.data import load_dataset
from trojanscope.detect.data.inputs import materialize


def digest(data, mask: np.ndarray) -> str:
    """SHA-256 of a set's rows, labels and poison mask."""
    h = hashlib.sha256()
    for part in (data.x.numpy(), data.y.numpy(), mask):
        h.update(np.ascontiguousarray(part).tobytes())
    return h.hexdigest()


def old_sets(base: int):
    """The sets as the benchmark drew them before stop 47 (its loop, written out)."""
    number = 0
    for ds in ("credit-default", "lending-club"):
        train = load_dataset(ds, "train")
        yield ds, "(none)", 0, materialize(train), np.zeros(len(train), bool)
        for name in bench.ATTACKS:
            for target in (0, 1):
                data, mask = bench.poisoned_set(name, train, target, base + number)
                number += 1
                yield ds, name, target, data, mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=7000)
    args = parser.parse_args()
    if hasattr(bench, "benchmark_sets"):
        for ds, train, name, target, seed in bench.benchmark_sets(args.base, False):
            data, mask = (materialize(train), np.zeros(len(train), bool)) if seed is None \
                else bench.poisoned_set(name, train, target, seed)
            print(ds, name, target, digest(data, mask))
    else:  # a checkout from before stop 47
        for ds, name, target, data, mask in old_sets(args.base):
            print(ds, name, target, digest(data, mask))


if __name__ == "__main__":
    main()
