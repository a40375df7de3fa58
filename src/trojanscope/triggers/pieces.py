"""Adaptive-blend trigger: a blended pattern cut into a grid of pieces, of which each poisoned
image receives only a random subset (Qi et al., 2023). Training on partial patterns, with
*cover* samples that carry a partial pattern but keep their labels, keeps the poisoned images'
latent representations close to the clean ones ("conservatism"), which defeats defences that
assume the two separate; at test time the full pattern, blended more strongly, fires.
"""

from __future__ import annotations

import math

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
        seed: seeds the noise pattern, and the choice of pieces when ``apply`` is given no
            ``generator`` (so a batch gets the same choices every time).
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

    def masks(self, n: int, height: int, width: int, generator: torch.Generator) -> Tensor:
        """N×1×H×W masks, each covering ``round(keep × pieces)`` grid cells chosen at random."""
        side = math.isqrt(self.pieces)
        if side > min(height, width):
            raise UserInputError(f"{self.pieces} pieces do not fit a {height}×{width} image")
        kept = max(1, round(self.keep * self.pieces))
        order = torch.rand(n, self.pieces, generator=generator).argsort(dim=1)
        cells = torch.zeros(n, self.pieces)
        cells.scatter_(1, order[:, :kept], 1.0)
        rows = torch.arange(height) * side // height
        cols = torch.arange(width) * side // width
        cell_of_pixel = (rows[:, None] * side + cols[None, :]).flatten()
        return cells[:, cell_of_pixel].view(n, 1, height, width)

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        n, c, h, w = x.shape
        gen = generator if generator is not None else torch.Generator().manual_seed(self.seed)
        mask = self.masks(n, h, w, gen).to(x)
        pattern = self.pattern(c, h, w).to(x)
        return stamp(x, self.alpha * mask, pattern)

    def apply_noise(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """A *cover* sample: a fresh random subset of pieces (the label is kept)."""
        return self.apply(x, generator=generator)
