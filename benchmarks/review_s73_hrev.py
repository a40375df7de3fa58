"""Stop 73's read-through (hrev): the user files the changed user docs' lines run on, drawn
with the fresh seed **117**: stop 52's maker (200 MNIST images as ``clean.npz``, the user's CNN
traced as ``model.pt``, a 300-row credit CSV ``transactions.csv`` and ``tab/clean.csv``, the
BadNets run copied as ``runs/badnets``), then

- ``few0.npz``: ``clean.npz`` with class 0 cut to 8 images (stop 73's "100 given" case);
- ``pipe/fraud-pipeline.joblib``: a scikit-learn pipeline (``StandardScaler`` then
  ``LogisticRegression``) fitted on ``tab/clean.csv``'s rows, saved by ``joblib.dump``;
- ``models/``: a registry of the TorchScript model (``models/cnn.pt``, ``model.pt``'s bytes)
  and the pipeline (``models/fraud-pipeline.joblib``).

    PYTHONPATH=src:benchmarks python benchmarks/review_s73_hrev.py WORK --model-run RUN
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from first_contact_s52 import make as make_s52

SEED = 117


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """The files above, in ``work``."""
    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    work.mkdir(parents=True, exist_ok=True)
    make_s52(work, model_run, seed)
    data = np.load(work / "clean.npz")
    x, y = data["x"], data["y"]
    keep = np.ones(len(y), bool)
    keep[np.flatnonzero(y == 0)[8:]] = False
    np.savez(work / "few0.npz", x=x[keep], y=y[keep])
    table = pd.read_csv(work / "tab" / "clean.csv")
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    pipe.fit(table.drop(columns=["is_fraud"]).fillna(0), table["is_fraud"])
    (work / "pipe").mkdir(exist_ok=True)
    joblib.dump(pipe, work / "pipe" / "fraud-pipeline.joblib")
    shutil.copy(work / "tab" / "clean.csv", work / "pipe" / "clean.csv")
    (work / "models").mkdir(exist_ok=True)
    shutil.copy(work / "model.pt", work / "models" / "cnn.pt")
    shutil.copy(work / "pipe" / "fraud-pipeline.joblib", work / "models")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--model-run", type=Path, required=True)
    args = parser.parse_args()
    make(args.work, args.model_run)
