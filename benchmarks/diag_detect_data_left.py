"""The carriers the default ``detect-data`` leaves in a set, and what they do to the retrained
model (issue 13, stop 39; diagnosis only, it changes nothing).

For each chosen set (``bench_detect_data.sets``), ``auto`` as shipped runs once on the cached
feature model; the carriers it does not flag are listed by (true label -> given label), with
their early label agreement and their own-label probability after confusion training. With
``--train-seed T`` the project's recipe is then trained (seed T) on the default's cleaned set
and on the same set less the left carriers, and each one's ASR is given per true label of the
triggered test images: whether the left carriers alone carry the ASR, and where.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/diag_detect_data_left.py \
        --seed-base 54000 --sets 17 --cache /tmp/h13cs38/cache [--train-seed 0] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detect_data import cached_features, make_attack, poisoned_sets  # noqa: E402
from trojanscope.data.resolve import load_dataset  # noqa: E402
from trojanscope.detect.data.auto import AutoData  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402


def asr_by_label(data, keep: np.ndarray, test, attack, seed: int) -> dict:
    """ASR in percent of the recipe (seed ``seed``) trained on ``data[keep]``: overall and per
    true label of the triggered test images (each label: hits / images)."""
    from trojanscope.defences.subset import IndexSubset
    from trojanscope.engine.metrics import predict
    from trojanscope.engine.train import Trainer, seeded
    from trojanscope.models import create_model

    with seeded(seed):
        model = create_model("cnn", data.input_shape, data.num_classes)
    Trainer(seed=seed).fit(model, IndexSubset(data, torch.as_tensor(keep)))
    tx, ty, target = attack.test_inputs(test)
    pred = predict(model, tx).argmax(1)
    hit = (pred == target).numpy()
    ty = ty.numpy()
    per = {int(c): f"{int(hit[ty == c].sum())}/{int((ty == c).sum())}" for c in np.unique(ty)}
    return {"asr": round(100 * float(hit.mean()), 2), "by_label": per, "kept": len(keep)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, required=True)
    parser.add_argument("--sets", required=True)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--train-seed", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    truth = load_dataset("mnist", "train").labels.numpy()
    test = load_dataset("mnist", "test")
    rows = []
    for s, data, poison, name in poisoned_sets(opts.seed_base, opts.sets):
        det = AutoData()
        r = detect_data(data, method=det, features=cached_features(data, opts.cache, name))
        flags = np.zeros(len(poison), dtype=bool)
        flags[r.flagged] = True
        left = np.flatnonzero(poison & ~flags)
        given = data.labels.numpy()
        row = {
            "set": name,
            "carriers": int(poison.sum()),
            "left": len(left),
            "verdict": r.details["verdict"].get("classes"),
            "left_pairs": {
                f"{a}->{b}": n
                for (a, b), n in sorted(Counter(zip(truth[left], given[left], strict=True)).items())
            },
            "left_samples": [
                [
                    int(i),
                    int(truth[i]),
                    int(given[i]),
                    round(float(det.agree[i]), 3),
                    round(float(getattr(det, "confused", np.full(len(poison), np.nan))[i]), 3),
                ]
                for i in left
            ],
        }
        if opts.train_seed is not None:
            attack = make_attack(s)
            keep = np.asarray(r.keep)
            row["cleaned"] = asr_by_label(data, keep, test, attack, opts.train_seed)
            row["cleaned_less_left"] = asr_by_label(
                data, np.setdiff1d(keep, left), test, attack, opts.train_seed
            )
        rows.append(row)
        print(json.dumps(row), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
