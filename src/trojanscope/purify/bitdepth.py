"""Bit-depth reduction (the colour-depth squeezing of Xu et al., 2018): every value rounded to
one of ``2^bits`` levels, which erases low-amplitude triggers (blends, noise, small warps)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.plain_numbers import whole
from trojanscope.purify.base import InputPurifier
from trojanscope.registry import register


@register("input-purifier", "bit-depth")
class BitDepthReduction(InputPurifier):
    """Bit-depth reduction (Xu et al., 2018): each value rounded to ``2^bits`` levels.

    Arguments:
        bits: bits kept per channel, 1 to 7 (1 binarises the image).
    """

    name = "bit-depth"

    def __init__(self, bits: int = 3) -> None:
        if not whole(bits, 1) or bits > 7:
            raise ValueError(f"bits must be an integer in [1, 7], got {bits!r}")
        self.bits = bits

    def purify(self, x: Tensor, model: nn.Module | None,
               generator: torch.Generator | None) -> Tensor:
        levels = 2**self.bits - 1
        return torch.round(x * levels) / levels
