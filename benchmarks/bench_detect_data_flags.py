"""Where ``auto``'s flags go wrong on poisoned sets (issue 13): the clean samples it flags,
inside and outside the classes its verdict names (and how many of them the *both views* signal
gave), and the carriers it misses, with their early label agreement and their own-label
probability after confusion training, and what lower confusion thresholds inside the named
classes would add. Diagnosis only: it changes nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_detect_data_flags.py \
        --seed-base 7000 --sets 3,7,11,15 --cache /tmp/h13/cache_dev [--confine false]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))

from bench_detect_data import cached_features, poisoned_sets  # noqa: E402
from trojanscope.detect.data.auto import AutoData  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

THRESHOLDS = (0.5, 0.45, 0.4)


def quartiles(values: np.ndarray) -> list[float]:
    return [round(float(q), 3) for q in np.quantile(values, [0.1, 0.5, 0.9])] if len(values) else []


def row_of(det: AutoData, result, labels: np.ndarray, poison: np.ndarray) -> dict:
    """One set's breakdown of flags (see the module docstring)."""
    flags = np.zeros(len(poison), dtype=bool)
    flags[result.flagged] = True
    named = np.isin(labels, result.details["verdict"]["classes"])
    fp, missed = flags & ~poison, poison & ~flags
    conf = getattr(det, "confused", np.zeros(len(poison)))
    row = {"tpr": round(float((flags & poison).sum() / poison.sum()), 4),
           "fpr": round(float(fp.sum() / (~poison).sum()), 4),
           "named": result.details["verdict"]["classes"],
           "fp_named": int((fp & named).sum()), "fp_outside": int((fp & ~named).sum()),
           "fp_outside_both": int((fp & ~named & det.both).sum()),
           "carriers_outside": int((poison & ~named).sum()), "missed": int(missed.sum()),
           "agree_missed": quartiles(det.agree[missed]),
           "agree_caught": quartiles(det.agree[poison & flags]),
           "agree_clean_named": quartiles(det.agree[named & ~poison]),
           "conf_missed": quartiles(conf[missed]),
           "conf_clean_named": quartiles(conf[named & ~poison])}
    for t in THRESHOLDS:
        add = named & ~flags & (conf > t)
        row[f"conf>{t}"] = [int((add & poison).sum()), int((add & ~poison).sum())]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, required=True)
    parser.add_argument("--sets", required=True)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--confine", default="true", choices=("true", "false"))
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows = []
    for _, data, poison, name in poisoned_sets(opts.seed_base, opts.sets):
        det = AutoData(confine=opts.confine == "true")
        result = detect_data(data, method=det, features=cached_features(data, opts.cache, name))
        rows.append({"set": name, **row_of(det, result, data.labels.numpy(), poison)})
        print(json.dumps(rows[-1]), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
