"""``two_class`` leaves sets of three or more classes alone (issue 13, stop 44): on chosen sets
of ``bench_detect_data.sets`` (ten classes; their feature models from ``--cache`` when there),
``auto`` with and without ``two_class=true`` must give the same flags and the same suspicion,
bit for bit (MD5 of the float64 array and of the sorted flags).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_detect_data_two_class_same.py \
        --seed-base 55000 --sets 2,5,17 --cache /tmp/h13s42/fresh [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect_data import cached_features, poisoned_sets  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def digest(a: np.ndarray) -> str:
    """MD5 of ``a``'s bytes, first 10 hex digits."""
    return hashlib.md5(np.ascontiguousarray(a).tobytes()).hexdigest()[:10]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, required=True)
    parser.add_argument("--sets", required=True, help="comma-separated set numbers")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows = []
    for _, data, _, name in poisoned_sets(opts.seed_base, opts.sets):
        feats = cached_features(data, opts.cache, name)
        row: dict = {"set": name, "classes": data.num_classes}
        for variant, params in (("default", {}), ("two_class", {"two_class": True})):
            r = detect_data(data, features=feats, seed=0, **params)
            row[variant] = {"flagged": len(r.flagged), "flags_md5": digest(np.sort(r.flagged)),
                            "suspicion_md5": digest(r.suspicion.astype(np.float64))}
        row["same"] = row["default"] == row["two_class"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    sys.exit(0 if all(r["same"] for r in rows) else 1)


if __name__ == "__main__":
    main()
