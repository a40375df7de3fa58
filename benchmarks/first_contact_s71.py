"""First contact at stop 71: a user's files drawn with the fresh seed **79** (stop 70's makers:
a 200-image ``.npz`` and an uneven one, an image folder, CSV tables with XGBoost / LightGBM /
skl2onnx files, a review CSV, hub-style folders, the scikit-learn MLP exported by skl2onnx,
traced, scripted, dynamo-exported, NHWC, opset-10 and two-output CNNs), kinds not tried before,
run through the commands the README and docs show.

- stop 70's files (``first_contact_s70.make``, with seed 79);
- **models made by code not tried before** (:func:`new_model_files`), the user's CNN
  (``first_contact_s68.user_cnn``, seed 79):
  ``fixed1/digits-b1.onnx``: exported by ``torch.onnx.export`` with no ``dynamic_axes`` (the
  batch fixed at 1, what the exporter gives when none is asked for);
  ``fp16/digits-fp16.onnx``: the CNN in half precision (``model.half()``), input and weights
  float16, as a model shrunk for deployment is shipped;
  ``norm/digits-norm.pt``: the CNN with MNIST's normalisation inside its forward
  (``(x - 0.1307) / 0.3081``), scripted;
- ``keys.npz``: the 200 images under the keys ``images`` (uint8, N x 28 x 28) and ``labels``,
  as a user's own export names them.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s71.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s71.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

from pathlib import Path

from first_contact_s52 import main
from first_contact_s68 import user_cnn
from first_contact_s70 import make as make_s70

SEED = 79


def new_model_files(work: Path, seed: int = SEED) -> None:
    """``fixed1/``, ``fp16/`` and ``norm/`` (the module docstring)."""
    import copy
    import warnings

    import torch
    from torch import nn

    model, example = user_cnn(seed)
    for name in ("fixed1", "fp16", "norm"):
        (work / name).mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(work / "fixed1" / "digits-b1.onnx"),
                          dynamo=False)
        half = copy.deepcopy(model).half()
        torch.onnx.export(half, (example.half(),), str(work / "fp16" / "digits-fp16.onnx"),
                          dynamo=False, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})

    class Normalised(nn.Module):
        """The CNN with MNIST's mean and standard deviation applied inside."""

        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner((x - 0.1307) / 0.3081)

    torch.jit.script(Normalised(model).eval()).save(str(work / "norm" / "digits-norm.pt"))


def keyed_images(work: Path) -> None:
    """``keys.npz`` (the module docstring)."""
    import numpy as np

    data = np.load(work / "clean.npz")
    images = (data["x"][:, 0] * 255).round().astype(np.uint8)
    np.savez(work / "keys.npz", images=images, labels=data["y"])


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 70's files with ``seed``, then this stop's new ones."""
    make_s70(work, model_run, seed)
    new_model_files(work, seed)
    keyed_images(work)


if __name__ == "__main__":
    main(make, __doc__)
