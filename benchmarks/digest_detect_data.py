"""Digests of ``detect_data``'s answer (MD5 of the float64 suspicion, number flagged, MD5 of
the sorted flags) per variant on two synthetic BadNets 10% sets (seeds 5, 6), to compare two
source trees bit for bit (issue 13, stop 43 review hR3: ``auto`` with the stop-42 defaults off
against ``auto`` before them). Run once per tree with its ``PYTHONPATH``:

    OMP_NUM_THREADS=1 PYTHONPATH=/tmp/base/src python benchmarks/digest_detect_data.py '{"old": {}}'
    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/digest_detect_data.py \\
        '{"off": {"pair_recall": false, "outside_pure": false}}'
"""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope.attacks import BadNets  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402
from trojanscope.triggers import PatchTrigger  # noqa: E402


def digest(values: np.ndarray) -> str:
    return hashlib.md5(np.ascontiguousarray(values).tobytes()).hexdigest()[:10]


def main() -> None:
    variants = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {"default": {}}
    train = load_dataset("synthetic", "train")
    for seed in (5, 6):
        view = BadNets(target=1, poison_rate=0.1, seed=seed,
                       trigger=PatchTrigger(size=3, pattern="solid")).poison(train)
        for name, params in variants.items():
            r = detect_data(view, seed=0, **params)
            print(name, f"s{seed}", digest(np.asarray(r.suspicion, dtype=np.float64)),
                  len(r.flagged), digest(np.sort(np.asarray(r.flagged, dtype=np.int64))))


if __name__ == "__main__":
    main()
