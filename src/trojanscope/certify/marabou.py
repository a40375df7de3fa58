"""Exact verification with Marabou (``maraboupy``, BSD; optional extra ``trojanscope[verify]``).

The same query as :mod:`trojanscope.certify.verify` — does an additive trigger of L-inf size
<= eps inside a region flip the input? — answered by an SMT-based complete verifier on the
model exported to ONNX: one query per rival class ``c`` ("some input in the box has
``logit[c] >= logit[p]``"); any satisfiable query is a counterexample (*refuted*), all
unsatisfiable is *proven*, a solver timeout is *timeout*. Piecewise-linear models only (ReLU
MLPs and CNNs). Without ``maraboupy`` installed, :func:`available` is False and the CLI says so.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from trojanscope.certify.verify import PROVEN, REFUTED, TIMEOUT, Verdict
from trojanscope.errors import UserInputError


def available() -> bool:
    """Whether maraboupy (with its ONNX reader) can be imported."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import onnxruntime  # noqa: F401
            from maraboupy import Marabou  # noqa: F401
    except ImportError:
        return False
    return True


def _require() -> None:
    if not available():
        raise UserInputError(
            "the marabou back-end needs maraboupy and onnxruntime: "
            "pip install 'trojanscope[verify]'"
        )


def _as_conv(layer: nn.Module, channels: int) -> nn.Conv2d:
    """An elementwise per-channel affine layer (Normalize, eval BatchNorm, the MLP's input map)
    as the equal 1x1 convolution, which Marabou's ONNX reader takes (it refuses broadcasting)."""
    probe = torch.zeros(2, channels, 1, 1)
    probe[1] = 1.0
    with torch.no_grad():
        out = layer(probe)
    conv = nn.Conv2d(channels, channels, 1)
    with torch.no_grad():
        conv.weight.zero_()
        idx = torch.arange(channels)
        conv.weight[idx, idx, 0, 0] = (out[1] - out[0]).flatten()
        conv.bias.copy_(out[0].flatten())
    return conv


def marabou_model(model: nn.Module, shape: tuple[int, ...]) -> nn.Sequential:
    """The model as a plain chain of layers Marabou reads, computing the same function."""
    from trojanscope.certify.bounds import _MONOTONE, layers_of

    layers = []
    for layer in layers_of(model):
        affine = isinstance(layer, (nn.Linear, nn.Conv2d))
        layers.append(layer if affine or isinstance(layer, _MONOTONE)
                      else _as_conv(layer, shape[0]))
    chain = nn.Sequential(*layers).eval()
    probe = torch.rand(3, *shape)
    with torch.no_grad():
        if not torch.allclose(chain(probe), model(probe), atol=1e-5):
            raise UserInputError("the model cannot be converted for Marabou exactly")
    return chain


def export_fixed(model: nn.Module, shape: tuple[int, ...], path: Path) -> None:
    """ONNX export with a fixed batch of one (Marabou reads static shapes only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(marabou_model(model, shape), (torch.zeros(1, *shape),), str(path),
                          dynamo=False, input_names=["input"], output_names=["logits"])


def verify_input_marabou(
    onnx_path: Path, model: nn.Module, x: Tensor, region: Tensor, eps: float,
    *, time_limit: float = 5.0,
) -> Verdict:
    """Answer the query for one input with Marabou (``onnx_path``: from :func:`export_fixed`)."""
    _require()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from maraboupy import Marabou

    start = time.perf_counter()
    with torch.no_grad():
        logits = model(x[None])[0]
    label = int(logits.argmax())
    lo = torch.where(region, (x - eps).clamp(0, 1), x).flatten().tolist()
    hi = torch.where(region, (x + eps).clamp(0, 1), x).flatten().tolist()
    for rival in range(len(logits)):
        if rival == label:
            continue
        left = time.perf_counter() - start
        if left >= time_limit:
            return Verdict(TIMEOUT, label, seconds=left)
        net = Marabou.read_onnx(str(onnx_path))
        inputs = np.asarray(net.inputVars[0]).flatten()
        outputs = np.asarray(net.outputVars[0]).flatten()
        for var, low, high in zip(inputs, lo, hi, strict=True):
            net.setLowerBound(int(var), low)
            net.setUpperBound(int(var), high)
        # logit[label] - logit[rival] <= 0 (ties go to the smaller index; a tie counts as flip)
        net.addInequality([int(outputs[label]), int(outputs[rival])], [1.0, -1.0], 0.0)
        options = Marabou.createOptions(verbosity=0,
                                        timeoutInSeconds=max(1, int(time_limit - left)))
        code, values, _ = net.solve(options=options, verbose=False)
        if code == "sat":
            point = torch.tensor([values[int(v)] for v in inputs], dtype=x.dtype).view_as(x)
            point = torch.minimum(torch.maximum(point, torch.tensor(lo).view_as(x)),
                                  torch.tensor(hi).view_as(x))
            with torch.no_grad():
                flipped = int(model(point[None]).argmax(1))
            if flipped != label:  # confirmed with a plain forward pass
                return Verdict(REFUTED, label, point - x, flipped, 0, time.perf_counter() - start)
            # a point on the decision boundary that float rounding keeps on our side: undecided
            return Verdict(TIMEOUT, label, seconds=time.perf_counter() - start)
        if code != "unsat":
            return Verdict(TIMEOUT, label, seconds=time.perf_counter() - start)
    return Verdict(PROVEN, label, seconds=time.perf_counter() - start)


def onnx_for(model: nn.Module, shape: tuple[int, ...]) -> tempfile.TemporaryDirectory:
    """A temporary folder holding ``model.onnx`` exported for Marabou (caller cleans it up)."""
    _require()
    folder = tempfile.TemporaryDirectory(prefix="trojanscope-marabou-")
    export_fixed(model, shape, Path(folder.name) / "model.onnx")
    return folder
