"""Median smoothing (the "feature squeezing" median filter of Xu et al., 2018): each pixel
becomes the median of its neighbourhood, which wipes out small, high-contrast triggers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.purify.base import InputPurifier, check_positive_int
from trojanscope.registry import register


@register("input-purifier", "median")
class MedianSmoothing(InputPurifier):
    """Median smoothing (Xu et al., 2018): a ``kernel``×``kernel`` median filter per channel.

    Arguments:
        kernel: side of the square window (odd, 3 or more); borders are reflected.
    """

    name = "median"

    def __init__(self, kernel: int = 3) -> None:
        check_positive_int("kernel", kernel, 3)
        if kernel % 2 == 0:
            raise ValueError(f"kernel must be odd, got {kernel}")
        self.kernel = kernel

    def purify(self, x: Tensor, model: nn.Module | None,
               generator: torch.Generator | None) -> Tensor:
        n, c, h, w = x.shape
        r = self.kernel // 2
        padded = F.pad(x, (r, r, r, r), mode="reflect")
        patches = F.unfold(padded, self.kernel)  # N × (C·k·k) × (H·W)
        patches = patches.view(n, c, self.kernel * self.kernel, h * w)
        return patches.median(dim=2).values.view(n, c, h, w)
