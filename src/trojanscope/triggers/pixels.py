"""Sparse-pixel trigger: a few scattered pixels set to fixed values (a distributed, low-L0
trigger, unlike a compact patch; cf. the "random pixels" triggers of BackdoorBench-style suites)."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, require_images

VALUES = ("white", "black", "random")


@register("trigger", "pixels")
class PixelsTrigger(Trigger):
    """Sparse pixels: ``count`` pixel positions drawn from ``seed``, each set in every channel.

    Arguments:
        count: number of pixels (at most the image's pixel count).
        value: ``white`` (1), ``black`` (0) or ``random`` (each pixel 0 or 1, drawn from ``seed``).
        seed: seeds the positions (and the random values).
    """

    name = "pixels"

    def __init__(self, count: int = 15, value: str = "random", seed: int = 0) -> None:
        if int(count) < 1:
            raise UserInputError(f"pixels count must be >= 1, got {count}")
        if value not in VALUES:
            raise UserInputError(f"unknown pixels value {value!r}; valid: {', '.join(VALUES)}")
        self.count = int(count)
        self.value = value
        self.seed = int(seed)

    def positions(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows, columns and values of the trigger's pixels in an image of that size."""
        if self.count > height * width:
            raise UserInputError(f"{self.count} pixels do not fit a {height}×{width} image")
        rng = np.random.default_rng(self.seed)
        flat = rng.choice(height * width, size=self.count, replace=False)
        if self.value == "random":
            values = rng.integers(0, 2, size=self.count).astype(np.float32)
        else:
            values = np.full(self.count, 1.0 if self.value == "white" else 0.0, dtype=np.float32)
        return flat // width, flat % width, values

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        rows, cols, values = self.positions(x.shape[2], x.shape[3])
        out = x.clone()
        out[:, :, torch.from_numpy(rows), torch.from_numpy(cols)] = torch.from_numpy(values).to(x)
        return out
