"""Colour-depth trigger: the image squeezed to a few levels per channel, after BppAttack
(Wang et al., 2022), whose trigger is the quantisation itself (optionally with dithering so the
result still looks natural) rather than anything added to the image.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, require_images

# Floyd–Steinberg error diffusion: (row offset, column offset, share of the error).
_DIFFUSION = ((0, 1, 7 / 16), (1, -1, 3 / 16), (1, 0, 5 / 16), (1, 1, 1 / 16))


@register("trigger", "quantize")
class QuantizeTrigger(Trigger):
    """BppAttack (Wang et al., 2022): every channel squeezed to ``levels`` values.

    The values are evenly spaced in [0, 1]; each pixel goes to the nearest.

    Arguments:
        levels: values per channel after squeezing (2 or more; 2 binarises the image).
        dither: diffuse each pixel's rounding error onto its unvisited neighbours
            (Floyd–Steinberg), as the paper does to keep the image natural-looking.
    """

    name = "quantize"

    def __init__(self, levels: int = 2, dither: bool = True) -> None:
        if int(levels) < 2:
            raise UserInputError(f"quantize levels must be >= 2, got {levels}")
        self.levels = int(levels)
        self.dither = bool(dither)

    def squeeze(self, values: np.ndarray) -> np.ndarray:
        """Round to the nearest of the ``levels`` values."""
        steps = self.levels - 1
        return np.clip(np.round(values * steps), 0, steps) / steps

    def dithered(self, x: np.ndarray) -> np.ndarray:
        """Floyd–Steinberg over each N×C plane at once (a raster walk over the pixels)."""
        work = x.astype(np.float64).copy()
        height, width = work.shape[2], work.shape[3]
        for r in range(height):
            for c in range(width):
                old = work[:, :, r, c]
                new = self.squeeze(old)
                error = old - new
                work[:, :, r, c] = new
                for dr, dc, share in _DIFFUSION:
                    rr, cc = r + dr, c + dc
                    if rr < height and 0 <= cc < width:
                        work[:, :, rr, cc] += share * error
        return work

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        arr = x.detach().cpu().numpy()
        out = self.dithered(arr) if self.dither else self.squeeze(arr)
        return torch.from_numpy(out).to(x)
