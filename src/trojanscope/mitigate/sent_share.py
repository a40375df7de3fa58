"""The one reader behind the per-trigger "reach" readings: the share of images outside a class
that a model sends to it once moved.

What and why (issue 12, stop 63: h12): ``trigger_flip`` (a reversed trigger), ``proxy_asr`` (the
same on held-back images), ``stripe_reach`` (an additive stripe), ``universal_reach`` (a free
universal perturbation) and ``sparse_reach`` (a sparse stamp) each repeated the same lines: keep
the images not of the class, 0 where none is left, move them, count the answers that land on
the class. They differ only in how the images are moved, so that is the one argument here.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from trojanscope.engine.metrics import predict


def outside(x: Tensor, y: Tensor, target: int) -> Tensor:
    """``x``'s images whose label is not ``target``."""
    return x[y != target]


def sent_share(model: nn.Module, x: Tensor, y: Tensor, target: int,
               move: Callable[[Tensor], Tensor]) -> float:
    """The share of ``x``'s images not of class ``target`` that ``model`` (in eval mode, no
    gradient) sends to ``target`` once moved by ``move`` (0 where every image is of
    ``target``)."""
    xs = outside(x, y, target)
    if len(xs) == 0:
        return 0.0
    with torch.no_grad():
        hit = predict(model, move(xs)).argmax(1) == target
    return float(hit.float().mean())
