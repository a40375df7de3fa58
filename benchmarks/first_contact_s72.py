"""First contact at stop 72: a user's files drawn with the fresh seed **103** (stop 71's makers:
a 200-image ``.npz`` under ``x``/``y`` and an uneven one, an image folder, a 300-row
credit-like CSV with a label column and XGBoost / LightGBM / skl2onnx files on it, hub-style
folders, the user's CNN traced, scripted and exported to ONNX, the scikit-learn MLP exported by
skl2onnx) and a ``models/`` folder holding two of them; then the README's tour lines and the
first command block of each user page under ``docs/``, run as written.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s72.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s72.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s71 import make as make_s71

SEED = 103


def registry_folder(work: Path) -> None:
    """``models/``: the user's skl2onnx MLP and scripted CNN side by side, the folder the
    README's ``audit-registry models/`` line reads (not tried at first contact before)."""
    folder = work / "models"
    folder.mkdir(exist_ok=True)
    shutil.copy(work / "mlp" / "digits.onnx", folder / "digits-mlp.onnx")
    shutil.copy(work / "scripted" / "digits-scripted.pt", folder / "digits-cnn.pt")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 71's files (and so 52's to 70's) with ``seed``, then ``models/``."""
    make_s71(work, model_run, seed)
    registry_folder(work)


if __name__ == "__main__":
    main(make, __doc__)
