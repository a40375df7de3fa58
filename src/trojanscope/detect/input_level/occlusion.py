"""The occlusion column (issue 14, stop 42; opt-in, ``mahalanobis -p occlusion=true``): how much
of the predicted class's probability an input loses when the window that carries most of the
predicted logit's ``|gradient × input|`` is blanked.

A localised trigger (a crossed patch on a tanh MLP, whose first layer reads it as a linear
template that survives every smoothing transform) is where the model's attribution concentrates,
and blanking it takes the backdoor's evidence away; on a clean digit the most-attributed window
is one piece of a stroke, and the prediction mostly survives. Stop 41 measured it as a probe
(``benchmarks/xpatch_mlp_why_stop41.py``, 6×6 window, blanked to 0). Here the gradient comes
from the detector's own main pass (one backward pass on it; PyTorch, TorchScript through its
ONNX export, and ONNX models alike: :class:`~trojanscope.io.onnx_import.OnnxModule` runs torch
ops) and the blanked input costs one forward pass, so in ``mahalanobis`` it takes the place of
one consistency transform.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.detect.input_level.base import BATCH
from trojanscope.detect.input_level.features import layer_features
from trojanscope.errors import UserInputError

WINDOW = 6  # the blanked square's side in pixels (stop 41's probe)


def features_and_grad(view: nn.Module, x: Tensor, layers: list[str], input_side: int,
                      map_side: int) -> tuple[list[Tensor], Tensor, Tensor]:
    """:func:`layer_features` of ``x`` (detached) and the gradient of each input's predicted
    logit with respect to ``x``, from the same forward pass plus one backward pass (``view``
    is a PyTorch module or :class:`OnnxModule`, whose torch ops are differentiable too). At
    most ``BATCH`` inputs per pass, as :meth:`InputDetector.score` batches: the fit's whole
    clean set at once held its backward graph (about 4 MB per 32×32 input on a PreAct
    ResNet-18; review hR2, stop 43), and each input's gradient is its own anyway."""
    parts = [_features_and_grad(view, x[i:i + BATCH], layers, input_side, map_side)
             for i in range(0, max(len(x), 1), BATCH)]
    feats = [torch.cat(layer) for layer in zip(*(p[0] for p in parts), strict=True)]
    return feats, torch.cat([p[1] for p in parts]), torch.cat([p[2] for p in parts])


def _features_and_grad(view: nn.Module, x: Tensor, layers: list[str], input_side: int,
                       map_side: int) -> tuple[list[Tensor], Tensor, Tensor]:
    """:func:`features_and_grad` of one batch."""
    with torch.enable_grad():
        xg = x.detach().clone().requires_grad_(True)
        feats, logits = layer_features(view, xg, layers, input_side, map_side)
        picked = logits.gather(1, logits.argmax(1, keepdim=True)).sum()
        # the output may need a gradient for the weights alone (an input cast to integers
        # first): no gradient reaches the input then (review hR2, stop 43)
        grad = (torch.autograd.grad(picked, xg, allow_unused=True)[0]
                if logits.requires_grad else None)
    if grad is None:
        raise UserInputError("mahalanobis: occlusion=true needs a model torch can "
                             "differentiate with respect to its input")
    return [f.detach() for f in feats], logits.detach(), grad


def blanked(x: Tensor, grad: Tensor, fill: Tensor | float, window: int = WINDOW) -> Tensor:
    """``x`` with the ``window``² square of largest summed ``|grad · x|`` (over channels) set to
    ``fill`` (the clean data's floor: the background)."""
    side = min(window, x.shape[-2], x.shape[-1])
    a = (grad * x).abs().sum(1, keepdim=True)
    win = F.avg_pool2d(a, side, stride=1)
    cols = win.shape[-1]
    corner = win.flatten(1).argmax(1)
    rows_at, cols_at = corner // cols, corner % cols
    r = torch.arange(x.shape[-2])[None, :, None]
    c = torch.arange(x.shape[-1])[None, None, :]
    mask = ((r >= rows_at[:, None, None]) & (r < rows_at[:, None, None] + side)
            & (c >= cols_at[:, None, None]) & (c < cols_at[:, None, None] + side))
    return torch.where(mask[:, None], torch.as_tensor(fill, dtype=x.dtype), x)


def occlusion_drops(model: nn.Module, x: Tensor, logits: Tensor, grad: Tensor,
                    fill: Tensor | float, window: int = WINDOW) -> Tensor:
    """Per input: log-probability of the predicted class on ``x`` minus on :func:`blanked`
    ``x`` (``logits`` and ``grad`` from :func:`features_and_grad`): the consistency columns'
    measure, with the blanked window as the transform."""
    pred = logits.argmax(1, keepdim=True)
    with torch.no_grad():
        after = model(blanked(x, grad, fill, window))
    return (logits.double().log_softmax(1).gather(1, pred)
            - after.double().log_softmax(1).gather(1, pred)).squeeze(1)
