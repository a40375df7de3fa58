"""Why carriers stay under the default's flags, class by class (issue 13, stop 40b; diagnosis
only, it changes nothing).

For each chosen set (``bench_detect_data.sets``), ``auto`` as shipped runs once on the cached
feature model. For every class holding carriers it leaves: the class's size, carriers, carriers
left, clean samples flagged and split margin (pooled std units above the infected threshold),
and for four groups of its samples (carriers left, carriers caught, clean unflagged, clean
flagged) min / median / max of: the early label agreement (the neighbour vote ``auto`` reads),
that agreement counted over neighbours not flagged (``agreement_among``: the support of samples
already taken as poison left out), the robust spectral z and the own-label probability after
confusion training.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/diag_detect_data_class.py \
        --seed-base 54000 --sets 17 --cache /tmp/h13s40/cache [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detect_data import cached_features, poisoned_sets  # noqa: E402
from trojanscope.detect.data.auto import AutoData  # noqa: E402
from trojanscope.detect.data.flagging import robust_z  # noqa: E402
from trojanscope.detect.data.neighbours import agreement_among  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402
from trojanscope.detect.data.spectral import SpectralSignatures  # noqa: E402


def spread(values: np.ndarray) -> list[float]:
    """Min, median and max, rounded."""
    return [round(float(v), 3) for v in np.percentile(values, [0, 50, 100])]


def class_rows(det: AutoData, feats, poison: np.ndarray, flags: np.ndarray) -> list[dict]:
    """One row per class holding carriers the flags leave."""
    labels = feats.labels.numpy()
    views = {
        "agree": det.agree,
        "agree_unflagged": agreement_among(
            det.early_emb, feats.labels, det.k, torch.from_numpy(~flags)).numpy(),
        "spectral_z": robust_z(SpectralSignatures().score(feats)),
        "confused": getattr(det, "confused", np.full(len(labels), np.nan)),
    }
    margins = dict(zip(det.evidence["split_classes"], det.evidence["split_margins"], strict=True))
    rows = []
    for c in np.unique(labels[poison & ~flags]):
        idx = labels == c
        groups = {"left": idx & poison & ~flags, "caught": idx & poison & flags,
                  "clean": idx & ~poison & ~flags, "clean_flagged": idx & ~poison & flags}
        rows.append({
            "class": int(c), "size": int(idx.sum()), "carriers": int((idx & poison).sum()),
            "left": int(groups["left"].sum()), "clean_flagged": int(groups["clean_flagged"].sum()),
            "split_margin": margins.get(int(c)),
            "groups": {g: {"n": int(m.sum()), **{v: spread(a[m]) for v, a in views.items()}}
                       for g, m in groups.items() if m.any()},
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, required=True)
    parser.add_argument("--sets", required=True)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    out = []
    for _, data, poison, name in poisoned_sets(opts.seed_base, opts.sets):
        feats = cached_features(data, opts.cache, name)
        det = AutoData()
        r = detect_data(data, method=det, features=feats)
        flags = np.zeros(len(poison), dtype=bool)
        flags[r.flagged] = True
        row = {"set": name, "carriers": int(poison.sum()), "flagged": int(flags.sum()),
               "left": int((poison & ~flags).sum()), "infected": det.evidence["infected"],
               "n_disagree": det.evidence["n_disagree"], "n_both": det.evidence["n_both"],
               "classes": class_rows(det, feats, poison, flags)}
        out.append(row)
        print(json.dumps(row), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"rows": out}, indent=1) + "\n")


if __name__ == "__main__":
    main()
