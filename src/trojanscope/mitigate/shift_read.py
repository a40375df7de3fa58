"""How much accuracy the stages cost, read on shifted copies of the method's clean images.

Why (issue 12, stop 66: h12): the steps after the stages train on the method's 200 clean
images, so a model's accuracy there says nothing of what it lost (today's outputs classify
96-99% of them). Copies moved by 1-2 pixels are images no step trained on, with the labels of
the images they come from; an MLP reads them worse than the images themselves (about 60%), but
the input model and the output read the same copies, so the difference between the two is a
reading of the accuracy the stages cost. Of the 58 development outputs ``mixed_last`` fitted
(zoos 2465, 2467-2472, spent seeds) it fell by at least 0.01 on 8, 7 of them accuracy misses,
and by at most 0.008 (or rose) on the 50 others.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.engine.metrics import accuracy

# The largest shift in pixels, each way.
SHIFT = 2


def shifted(x: Tensor, most: int = SHIFT) -> Tensor:
    """Every copy of the images ``x`` (N, C, H, W) moved by up to ``most`` pixels in each
    direction (the empty side filled with 0), the unmoved one left out, stacked shift by shift."""
    out = []
    for dx in range(-most, most + 1):
        for dy in range(-most, most + 1):
            if dx == 0 and dy == 0:
                continue
            m = torch.roll(x, (dy, dx), (-2, -1))
            if dy > 0:
                m[..., :dy, :] = 0
            elif dy < 0:
                m[..., dy:, :] = 0
            if dx > 0:
                m[..., :dx] = 0
            elif dx < 0:
                m[..., dx:] = 0
            out.append(m)
    return torch.cat(out)


def shift_accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """``model``'s accuracy on :func:`shifted` copies of ``x`` under the labels ``y``."""
    moved = shifted(x)
    return accuracy(model, moved, y.repeat(len(moved) // len(x)))
