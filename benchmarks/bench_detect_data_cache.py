"""Train and cache the feature models of ``bench_detect_data``'s sets and clean subsets
(issue 13) without running any detection, so that an evaluation population can be built
before its decision rule is written and its results read.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_detect_data_cache.py \
        --cache /tmp/feature-cache [--seed-base 7000 --sets 0,1,...] [--clean-seeds 51,52]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))

from bench_detect_data import cached_features, poisoned_sets  # noqa: E402
from bench_detect_data_clean import clean_subset  # noqa: E402
from trojanscope.data.resolve import load_dataset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--seed-base", type=int, default=None)
    parser.add_argument("--sets", default=None, help="poisoned set numbers (default: all)")
    parser.add_argument("--clean-seeds", default="", help="subset seeds of the clean sets")
    parser.add_argument("--sizes", default="500,1000,2000,4000")
    args = parser.parse_args()
    if args.seed_base is not None:
        for _, data, _, name in poisoned_sets(args.seed_base, args.sets):
            cached_features(data, args.cache, name)
            print(f"cached {name}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(s) for s in args.clean_seeds.split(",") if s]:
            for size in (int(s) for s in args.sizes.split(",")):
                data = load_dataset(str(clean_subset(size, seed, Path(tmp))), split="all")
                cached_features(data, args.cache, f"clean {size} s{seed}")
                print(f"cached clean {size} s{seed}", flush=True)


if __name__ == "__main__":
    main()
