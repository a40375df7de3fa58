"""Train only a dense model's first layer, pulled towards its original weights.

On MNIST MLPs `gated`'s two stages fine-tune every weight on about 150 clean images and cost a
backdoored model 2.5-4.5 points of accuracy (docs/benchmarks.md, issue 12 stop 33). A patch,
blend or stripe trigger enters an MLP through its first layer only, so that layer alone can
learn to ignore it; the layers above keep the clean function as it was. :func:`first_layer_only`
freezes every other parameter for the duration of a block, and :class:`PullBack` moves the
layer a share of the way back to its starting weights after every step (a pull towards the
original, not towards zero as weight decay would).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from trojanscope.engine.callbacks import Callback, TrainState


@contextmanager
def first_layer_only(model: nn.Module, layer: nn.Module | None) -> Iterator[None]:
    """Within the block only ``layer``'s parameters take a gradient (``None``: every parameter,
    nothing changes); afterwards every parameter of ``model`` takes one again."""
    if layer is None:
        yield
        return
    keep = {id(p) for p in layer.parameters()}
    for p in model.parameters():
        p.requires_grad_(id(p) in keep)
    try:
        yield
    finally:
        for p in model.parameters():
            p.requires_grad_(True)


class PullBack(Callback):
    """Engine callback: after each step, every parameter of ``layer`` moves ``rate`` of the way
    back to its value in ``towards`` (a layer of the same shape, the original model's; default:
    ``layer`` as it is when this callback is made; ``rate`` 0: no pull)."""

    def __init__(self, layer: nn.Module, rate: float, towards: nn.Module | None = None) -> None:
        self.params = list(layer.parameters())
        self.start = [p.detach().clone() for p in (towards or layer).parameters()]
        self.rate = rate

    def on_batch_end(self, state: TrainState) -> None:
        if self.rate <= 0:
            return
        with torch.no_grad():
            for p, p0 in zip(self.params, self.start, strict=True):
                p.lerp_(p0, self.rate)
