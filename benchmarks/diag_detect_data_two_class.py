"""Where ``auto``'s flags come from on two-class image sets (issue 13, stop 44): per set, the
samples signals 1-3 flag (before confusion training), the confusion flags (own-label
probability after confusion training above ``confusion_threshold``), the verdict's reasons and
the own-label probabilities of clean samples and carriers, beside the clean ceiling
(:func:`~trojanscope.detect.data.confusion.clean_ceiling`) for the set's class count.

Sets as in ``bench_detect_data_two_class.py`` (``--sets``: ``a/b:attack:rate:seed`` specs,
``clean`` for no attack; default hR3's six). One feature model per set (seed 0).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/diag_detect_data_two_class.py \
        [--sets 3/8:blended:0.05:1,...] [--param two_class=true] [--json out.json]
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
from bench_detect_data_two_class import SETS, parse_sets, two_class_set  # noqa: E402
from trojanscope.detect.data.auto import AutoData  # noqa: E402
from trojanscope.detect.data.confusion import ConfusionTraining, clean_ceiling  # noqa: E402
from trojanscope.detect.data.run import detect_data, features_for  # noqa: E402


def quantiles(v: np.ndarray) -> list[float]:
    """The 10/50/90/99th percentiles of ``v`` (empty: [])."""
    return [round(float(q), 3) for q in np.percentile(v, [10, 50, 90, 99])] if len(v) else []


def breakdown(ds, poison: np.ndarray, feats, params: dict) -> dict:
    """One set's flags by source under ``auto`` with ``params``."""
    det = AutoData(**params)
    _, feat_flags = AutoData(**params).run_features(feats)
    r = detect_data(ds, features=feats, method=det, seed=0)
    confused = det.confused
    mask = np.zeros(len(poison), dtype=bool)
    mask[feat_flags] = True
    return {
        "features_flagged": [int((mask & poison).sum()), int((mask & ~poison).sum())],
        "confusion_counts": det.evidence.get("confusion_counts"),
        "infected": det.evidence["infected"], "suspect": det.evidence["suspect"],
        "split_margins": det.evidence["split_margins"],
        "n_disagree": det.evidence["n_disagree"], "n_both": det.evidence["n_both"],
        "reasons": r.details["verdict"]["reasons"],
        "flagged": [int(poison[r.flagged].sum()), int((~poison[r.flagged]).sum())],
        "poisoned": r.poisoned,
        "confused_clean_q": quantiles(confused[~poison]),
        "confused_poison_q": quantiles(confused[poison]),
        "clean_over_threshold": int((confused[~poison] > det.confusion_threshold).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=None, help="a/b:attack:rate:seed,... (default hR3's)")
    parser.add_argument("--param", action="append", default=[],
                        help="auto parameter NAME=JSON, repeatable")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    params = {}
    for p in opts.param:
        name, _, value = p.partition("=")
        params[name] = json.loads(value)
    rows = []
    for (a, b), attack, rate, seed in (parse_sets(opts.sets) if opts.sets else SETS):
        ds, poison = two_class_set(a, b, attack, rate, seed)
        feats = features_for(ds, seed=0)
        row = {"set": f"{attack or 'clean'} {rate:.0%} {a}/{b} s{seed}", "n": len(ds),
               "n_poison": int(poison.sum()),
               "ceiling": round(clean_ceiling(ConfusionTraining().confusion_weight, 2), 3),
               **breakdown(ds, poison, feats, params)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"params": params, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
