"""Adaptive-blend trigger: a blended pattern cut into a grid of pieces, of which each poisoned
image receives only a random subset (Qi et al., 2023). Training on partial patterns, with
*cover* samples that carry a partial pattern but keep their labels, keeps the poisoned images'
latent representations close to the clean ones ("conservatism"), which defeats defences that
assume the two separate; at test time the full pattern, blended more strongly, fires.
"""

from __future__ import annotations

import math
import zlib

import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, check_fraction, require_images
from trojanscope.triggers.blend import BlendTrigger
from trojanscope.triggers.stamp import stamp


@register("trigger", "pieces")
class PiecesTrigger(Trigger):
    """Adaptive-blend (Qi et al., 2023): a noise pattern blended over random grid cells.

    Each image gets its own random ``keep`` share of the ``pieces`` cells.

    Arguments:
        alpha: blend ratio inside the kept pieces, in (0, 1].
        pieces: number of grid cells (a square number: 16 is a 4×4 grid).
        keep: share of the pieces blended in each image (1 blends the whole pattern).
        seed: seeds the noise pattern and, with each image's bytes, the image's pieces when
            ``apply`` is given no ``generator`` (the same image always gets the same pieces).
    """

    name = "pieces"

    def __init__(
        self, alpha: float = 0.15, pieces: int = 16, keep: float = 0.5, seed: int = 0
    ) -> None:
        self.alpha = check_fraction(alpha, "pieces alpha", low_open=True)
        side = math.isqrt(int(pieces))
        if int(pieces) < 1 or side * side != int(pieces):
            raise UserInputError(f"pieces must be a square number (4, 9, 16 …), got {pieces}")
        self.pieces = int(pieces)
        self.keep = check_fraction(keep, "pieces keep", low_open=True)
        self.seed = int(seed)

    def pattern(self, channels: int, height: int, width: int) -> Tensor:
        """The C×H×W noise pattern (the blend trigger's, from the same seed)."""
        return BlendTrigger(seed=self.seed).pattern_image(channels, height, width)

    def orders(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        """N×pieces random rankings of the pieces: from ``generator`` when given, else one per
        image seeded by ``seed`` and the image's own bytes, so that each image keeps its own
        subset however it is batched (the paper poisons each image once, with its own subset)."""
        if generator is not None:
            return torch.rand(len(x), self.pieces, generator=generator).argsort(dim=1)
        rows = []
        for image in x.detach().cpu().numpy():
            key = zlib.crc32(image.tobytes())
            gen = torch.Generator().manual_seed(((self.seed & 0xFFFFFFFF) << 32) | key)
            rows.append(torch.rand(self.pieces, generator=gen))
        return torch.stack(rows).argsort(dim=1) if rows else torch.zeros(0, self.pieces)

    def masks(self, order: Tensor, height: int, width: int) -> Tensor:
        """N×1×H×W masks covering the first ``round(keep × pieces)`` cells of each ranking."""
        side = math.isqrt(self.pieces)
        if side > min(height, width):
            raise UserInputError(f"{self.pieces} pieces do not fit a {height}×{width} image")
        kept = max(1, round(self.keep * self.pieces))
        cells = torch.zeros(len(order), self.pieces)
        cells.scatter_(1, order[:, :kept].long(), 1.0)
        rows = torch.arange(height) * side // height
        cols = torch.arange(width) * side // width
        cell_of_pixel = (rows[:, None] * side + cols[None, :]).flatten()
        return cells[:, cell_of_pixel].view(len(order), 1, height, width)

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        _, c, h, w = x.shape
        mask = self.masks(self.orders(x, generator), h, w).to(x)
        pattern = self.pattern(c, h, w).to(x)
        return stamp(x, self.alpha * mask, pattern)

    def apply_noise(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """A *cover* sample: a fresh random subset of pieces (the label is kept)."""
        return self.apply(x, generator=generator)
