"""First contact at stop 69: a user's files drawn with the fresh seed **77** (stop 68's makers:
a 200-image ``.npz``, a CSV table with missing values and its XGBoost JSON / UBJSON, LightGBM,
skl2onnx and XGBoost-wrapper files, a review CSV, a DistilBERT folder, the scikit-learn MLP
exported by skl2onnx, a traced and a dynamo-exported CNN), kinds not tried before, and this
stop's bad inputs, run through ``scan``, ``bom``, ``detect``, ``detect-data`` and ``audit`` as
the docs show them.

- stop 68's files (``first_contact_s68.make``, with seed 77);
- ``uint8hwc.npz``: the 200 images as an image library keeps them, uint8 pixels 0-255,
  N x 28 x 28 x 1 (channels last);
- **models made by code not tried before** (:func:`new_model_files`): the user's CNN
  (``first_contact_s68.user_cnn``, seed 77) *scripted* (``torch.jit.script``, not traced) as
  ``scripted/digits-scripted.pt``, and exported taking **NHWC** input as a Keras model's ONNX
  graph does (a ``Transpose`` first, input ``input_1`` of N x 28 x 28 x 1) as
  ``nhwc-onnx/digits-nhwc.onnx``; an skl2onnx ``LogisticRegression`` on the table's numeric
  columns, missing values filled with 0 as it needs (``skl-lr/fraud-lr.onnx`` with
  ``skl-lr/clean.csv``);
- this stop's bad inputs (:func:`bad_files`): the dynamo export without its external data
  (``nodata/``), a hub folder with its safetensors cut short (``broken-hf-model/``) and one
  whose ``config.json`` is not JSON (``badcfg-hf-model/``), the wrapper's table with the
  categories renamed (``sk-xgb/renamed-cats.csv``), a table whose label column has missing
  values (``nolabel.csv``), a 0-byte ``empty.onnx``.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s69.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s69.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s68 import make as make_s68
from first_contact_s68 import user_cnn

SEED = 77


def uint8_images(work: Path) -> None:
    """``uint8hwc.npz``: ``clean.npz``'s images as uint8 0-255, channels last."""
    import numpy as np

    data = np.load(work / "clean.npz")
    pixels = np.rint(data["x"] * 255).clip(0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
    np.savez(work / "uint8hwc.npz", x=pixels, y=data["y"])


def new_model_files(work: Path, seed: int = SEED) -> None:
    """``scripted/``, ``nhwc-onnx/`` and ``skl-lr/`` (the module docstring)."""
    import warnings

    import numpy as np
    import pandas as pd
    import torch
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression
    from torch import nn

    model, example = user_cnn(seed)
    folder = work / "scripted"
    folder.mkdir(exist_ok=True)
    torch.jit.script(model).save(str(folder / "digits-scripted.pt"))

    class ChannelsLast(nn.Module):
        """The CNN taking N x H x W x C images, as a Keras model's graph does."""

        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner(x.permute(0, 3, 1, 2))

    folder = work / "nhwc-onnx"
    folder.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(ChannelsLast(model).eval(), (example.permute(0, 2, 3, 1),),
                          str(folder / "digits-nhwc.onnx"), dynamo=False,
                          input_names=["input_1"], output_names=["dense"],
                          dynamic_axes={"input_1": {0: "N"}, "dense": {0: "N"}})

    table = pd.read_csv(work / "skl" / "clean.csv").fillna(0.0)  # it takes no NaN
    folder = work / "skl-lr"
    folder.mkdir(exist_ok=True)
    table.to_csv(folder / "clean.csv", index=False)
    x = table.drop(columns=["is_fraud"]).to_numpy(np.float32)
    lr = LogisticRegression(max_iter=500, random_state=seed).fit(x, table["is_fraud"])
    (folder / "fraud-lr.onnx").write_bytes(to_onnx(lr, x[:1]).SerializeToString())


def bad_files(work: Path) -> None:
    """This stop's bad inputs (the module docstring), from the files already made."""
    import pandas as pd

    folder = work / "nodata"
    folder.mkdir(exist_ok=True)
    shutil.copy(work / "cnn" / "digits-dynamo.onnx", folder / "digits-dynamo.onnx")
    for name, cut in (("broken-hf-model", True), ("badcfg-hf-model", False)):
        shutil.copytree(work / "other-hf-model", work / name, dirs_exist_ok=True)
        if cut:
            weights = work / name / "model.safetensors"
            weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
        else:
            (work / name / "config.json").write_text("{'model_type': 'distilbert',}\n")
    table = pd.read_csv(work / "sk-xgb" / "clean.csv")
    for column in ("Home", "Marital", "Records", "Job"):
        table[column] = table[column].str.upper()
    table.to_csv(work / "sk-xgb" / "renamed-cats.csv", index=False)
    table = pd.read_csv(work / "transactions.csv")
    table.loc[table.index % 7 == 3, "is_fraud"] = None
    table.to_csv(work / "nolabel.csv", index=False)
    (work / "empty.onnx").write_bytes(b"")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 68's files with ``seed``, the new images and models, then this stop's bad ones."""
    make_s68(work, model_run, seed)
    uint8_images(work)
    new_model_files(work, seed)
    bad_files(work)


if __name__ == "__main__":
    main(make, __doc__)
