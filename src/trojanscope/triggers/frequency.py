"""Frequency-domain trigger: fixed bumps on a few DCT coefficients of every image block, after
FTrojan (Wang et al., 2022), which hides its trigger in a mid and a high frequency of the
chrominance channels so that it is invisible in pixel space.

The DCT is linear, so the bumps are one fixed additive pattern: no per-image transform needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, require_images
from trojanscope.triggers.dct import dct_matrix

# RGB change for a unit change of U and of V (BT.601 YUV, Y held fixed).
_RGB_PER_U = (0.0, -0.39465, 2.03211)
_RGB_PER_V = (1.13983, -0.58060, 0.0)


@register("trigger", "dct")
class FrequencyTrigger(Trigger):
    """FTrojan (Wang et al., 2022): fixed bumps on a few DCT coefficients of each tile.

    Adds ``magnitude`` to the coefficients ``frequencies`` of each ``block``×``block`` tile, then
    clips to [0, 1].

    Arguments:
        magnitude: the coefficient bump on the [0, 1] pixel scale; with the orthonormal DCT a
            bump ``m`` moves pixels by at most ``2m / block``. The paper's 30 of 255 (0.118) is
            not learnt on MNIST in 8 epochs; 1.5 is (a peak change of 0.11 per bump on 28×28).
        block: tile side in pixels; 0 uses one tile over the whole (square part of the) image,
            as the paper does for 32×32 images. Pixels beyond the last whole tile are untouched.
        frequencies: ``[u, v]`` coefficient pairs; ``None`` takes the paper's pair, a mid and
            the highest frequency: ``(b/2 - 1, b/2 - 1)`` and ``(b - 1, b - 1)``.
        chroma: on 3-channel images, bump the two chrominance (U, V) channels of YUV, as the
            paper does; otherwise (and on 1-channel images) every channel.
    """

    name = "dct"

    def __init__(
        self,
        magnitude: float = 1.5,
        block: int = 0,
        frequencies: Sequence[Sequence[int]] | None = None,
        chroma: bool = True,
    ) -> None:
        if not float(magnitude) > 0:
            raise UserInputError(f"dct magnitude must be > 0, got {magnitude}")
        if int(block) < 0 or int(block) == 1:
            raise UserInputError(f"dct block must be 0 (whole image) or >= 2, got {block}")
        pairs = None
        if frequencies is not None:
            try:
                pairs = tuple((int(u), int(v)) for u, v in frequencies)
            except (TypeError, ValueError):
                raise UserInputError(
                    f"dct frequencies must be [u, v] pairs, got {frequencies!r}"
                ) from None
            if not pairs or any(u < 0 or v < 0 for u, v in pairs):
                raise UserInputError("dct frequencies must be non-empty non-negative pairs")
        self.magnitude = float(magnitude)
        self.block = int(block)
        self.frequencies = pairs
        self.chroma = bool(chroma)

    def tile(self, height: int, width: int) -> int:
        """The tile side used on an image of that size."""
        b = self.block or min(height, width)
        if b > min(height, width):
            raise UserInputError(f"dct block {b} does not fit a {height}×{width} image")
        return b

    def pattern(self, channels: int, height: int, width: int) -> Tensor:
        """The C×H×W additive pattern."""
        b = self.tile(height, width)
        pairs = self.frequencies or ((b // 2 - 1, b // 2 - 1), (b - 1, b - 1))
        if any(u >= b or v >= b for u, v in pairs):
            raise UserInputError(
                f"dct frequencies {[list(p) for p in pairs]} do not exist in a {b}-pixel block"
            )
        basis = dct_matrix(b)
        block = sum(self.magnitude * torch.outer(basis[u], basis[v]) for u, v in pairs)
        plane = torch.zeros(height, width)
        rows, cols = (height // b) * b, (width // b) * b
        plane[:rows, :cols] = block.repeat(rows // b, cols // b)
        if channels == 3 and self.chroma:
            weights = torch.tensor(_RGB_PER_U) + torch.tensor(_RGB_PER_V)
            return weights[:, None, None] * plane
        return plane.expand(channels, height, width).clone()

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        return (x + self.pattern(x.shape[1], x.shape[2], x.shape[3]).to(x)).clamp(0.0, 1.0)
