"""The isolated-bright-pixel column (issue 14, stop 34b; the default since stop 35): the share of
an image's bright pixels (over half the clean data's range above its minimum) none of whose four
neighbours is bright. A crossed patch drawn in one-pixel diagonals, or a trigger of scattered
single pixels, is 4-isolated; a digit's stroke (2-3 pixels wide) rarely is. Measured on the
seven foreign models the default misses (docs/benchmarks.md, "Why the seven short foreign models
are missed", ``benchmarks/detect_inputs_short_foreign.py``): alone ROC-AUC 0.97-1.00. It reads
the input alone: no forward pass.
"""

from __future__ import annotations

import torch
from torch import Tensor

BRIGHT = 0.5  # a pixel counts as bright above this share of the clean data's range


def data_floor(clean_x: Tensor) -> Tensor:
    """The clean data's minimum, where the brightness scale starts."""
    return clean_x.amin()


def bright(x: Tensor, floor: Tensor, span: Tensor) -> Tensor:
    """Per pixel: brighter than ``BRIGHT`` of the clean range above its floor."""
    return (x - floor) / span > BRIGHT


def isolated_share(x: Tensor, floor: Tensor, span: Tensor) -> Tensor:
    """Per input (N×C×H×W): the share of bright pixels with no bright 4-neighbour in the same
    channel (out of the bright ones, plus one so a blank image reads 0)."""
    lit = bright(x, floor, span)
    pad = torch.nn.functional.pad(lit.float(), (1, 1, 1, 1))
    neigh = pad[..., :-2, 1:-1] + pad[..., 2:, 1:-1] + pad[..., 1:-1, :-2] + pad[..., 1:-1, 2:]
    lone = (lit & (neigh == 0)).flatten(1).sum(1).double()
    return lone / (lit.flatten(1).sum(1).double() + 1.0)


def isolated_step(clean_x: Tensor, floor: Tensor, span: Tensor) -> float:
    """The smallest step one lone bright pixel makes in :func:`isolated_share` on ``clean_x``
    (in the clean image with the most bright pixels): the column cannot resolve finer."""
    most = bright(clean_x, floor, span).flatten(1).sum(1).max() if len(clean_x) else 0
    return 1.0 / (float(most) + 1.0)
