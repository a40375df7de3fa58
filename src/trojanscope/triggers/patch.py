"""BadNets patch trigger: a small fixed pattern stamped into a corner (Gu et al., 2017)."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, check_fraction, require_images
from trojanscope.triggers.stamp import stamp

POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left", "center")
PATTERNS = ("checkerboard", "solid", "random")


@register("trigger", "patch")
class PatchTrigger(Trigger):
    """BadNets patch: a size×size pattern pasted at a corner, the centre or (row, col).

    Arguments:
        size: side of the square patch in pixels.
        position: one of ``bottom-right``, ``bottom-left``, ``top-right``, ``top-left``,
            ``center``, or a ``(row, col)`` pair for the patch's top-left pixel.
        margin: distance in pixels from the image border for corner positions.
        pattern: ``checkerboard`` (alternating colour/black), ``solid`` or ``random``
            (a fixed binary pattern drawn from ``seed``).
        color: the patch colour, one value in [0, 1] per channel (or one for all).
        seed: seeds the ``random`` pattern.
    """

    name = "patch"

    def __init__(
        self,
        size: int = 3,
        position: str | tuple[int, int] = "bottom-right",
        margin: int = 1,
        pattern: str = "checkerboard",
        color: float | tuple[float, ...] = 1.0,
        seed: int = 0,
    ) -> None:
        if int(size) < 1:
            raise UserInputError(f"patch size must be >= 1, got {size}")
        if int(margin) < 0:
            raise UserInputError(f"patch margin must be >= 0, got {margin}")
        if isinstance(position, str) and position not in POSITIONS:
            raise UserInputError(
                f"unknown patch position {position!r}; valid: {', '.join(POSITIONS)} or (row, col)"
            )
        if pattern not in PATTERNS:
            raise UserInputError(f"unknown patch pattern {pattern!r}; valid: {', '.join(PATTERNS)}")
        colors = color if isinstance(color, (tuple, list)) else (color,)
        for c in colors:
            check_fraction(c, "patch color")
        self.size = int(size)
        self.position = tuple(position) if isinstance(position, (list, tuple)) else position
        self.margin = int(margin)
        self.pattern = pattern
        self.color = tuple(float(c) for c in colors) if len(colors) > 1 else float(colors[0])
        self.seed = int(seed)

    def origin(self, height: int, width: int) -> tuple[int, int]:
        """Top-left pixel of the patch in an image of ``height``×``width``."""
        s, m = self.size, self.margin
        if s + (0 if self.position == "center" or isinstance(self.position, tuple) else m) > min(
            height, width
        ):
            raise UserInputError(f"a {s}-pixel patch does not fit a {height}×{width} image")
        if isinstance(self.position, tuple):
            r, c = self.position
        else:
            r = {"top": m, "bottom": height - m - s, "center": (height - s) // 2}[
                self.position.split("-")[0]
            ]
            c = {"left": m, "right": width - m - s, "center": (width - s) // 2}[
                self.position.split("-")[-1]
            ]
        if not (0 <= r <= height - s and 0 <= c <= width - s):
            raise UserInputError(
                f"patch at {(r, c)} with size {s} falls outside a {height}×{width} image"
            )
        return r, c

    def mask_and_pattern(self, channels: int, height: int, width: int) -> tuple[Tensor, Tensor]:
        """The 1×H×W mask (1 inside the patch) and the C×H×W pattern image."""
        s = self.size
        r, c = self.origin(height, width)  # a patch that does not fit: refused before any array
        if self.pattern == "solid":
            on = np.ones((s, s))
        elif self.pattern == "checkerboard":
            on = (np.add.outer(np.arange(s), np.arange(s)) % 2 == 0).astype(float)
        else:
            on = np.random.default_rng(self.seed).integers(0, 2, (s, s)).astype(float)
        colors = self.color if isinstance(self.color, tuple) else (self.color,) * channels
        if len(colors) != channels:
            raise UserInputError(
                f"patch color has {len(colors)} values but images have {channels} channels"
            )
        mask = torch.zeros(1, height, width)
        mask[:, r : r + s, c : c + s] = 1.0
        pattern = torch.zeros(channels, height, width)
        block = torch.tensor(on, dtype=torch.float32)
        for ch, value in enumerate(colors):
            pattern[ch, r : r + s, c : c + s] = block * value
        return mask, pattern

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        mask, pattern = self.mask_and_pattern(x.shape[1], x.shape[2], x.shape[3])
        mask, pattern = mask.to(x), pattern.to(x)
        return stamp(x, mask, pattern)
