"""First contact at stop 61: stop 56's user files (``first_contact_s56.make``: 200 MNIST images as
``clean.npz`` and the README's other names, ``incoming.npz`` and ``triggered.npz``, a 300-row
``transactions.csv`` with an XGBoost file trained on it by plain xgboost code, text CSVs, a hub
BERT folder, a TorchScript CNN, ``ckpt.pt``, a BatchNorm CNN exported to ONNX by plain torch,
a DistilBERT folder, a ViT folder) drawn with the fresh seed **69**, and ``images/`` rewritten
from that seed's ``clean.npz`` (one PNG folder per digit; stop 40's maker draws it from seed 38).
Lines run by ``first_contact_own.run_lines`` (``--keep DIR``: each line's whole output too).

    python benchmarks/first_contact_s61.py WORK --make --model-run RUN
    python benchmarks/first_contact_s61.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from first_contact_own import image_folder
from first_contact_s52 import main
from first_contact_s56 import make as make_s56

SEED = 69


def bad_files(work: Path) -> None:
    """The bad inputs a user makes, from ``clean.npz``: ``nan.npz`` (one NaN pixel per image),
    ``small.npz`` (20x20 crops), ``bad-labels.npz`` (labels 10-19), ``one-class.npz`` (only
    the digit 1), ``no-y.npz`` (``x`` alone, 7 images) and ``empty-images/`` (no image)."""
    import numpy as np

    data = np.load(work / "clean.npz")
    x, y = data["x"], data["y"]
    nan = x.copy()
    nan[:, 0, 5, 5] = np.nan
    np.savez(work / "nan.npz", x=nan, y=y)
    np.savez(work / "small.npz", x=x[:, :, 4:24, 4:24], y=y)
    np.savez(work / "bad-labels.npz", x=x, y=y + 10)
    np.savez(work / "one-class.npz", x=x[y == 1], y=y[y == 1])
    np.savez(work / "no-y.npz", x=x[:7])
    (work / "empty-images").mkdir(exist_ok=True)


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 56's files with ``seed``, then ``images/`` from its ``clean.npz``."""
    import numpy as np

    make_s56(work, model_run, seed)
    shutil.rmtree(work / "images", ignore_errors=True)
    data = np.load(work / "clean.npz")
    image_folder(work / "images", data["x"], data["y"])
    bad_files(work)


if __name__ == "__main__":
    main(make, __doc__)
