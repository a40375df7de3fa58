"""Blended trigger: the whole image mixed with a fixed pattern (Chen et al., 2017)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, check_fraction, require_images


@register("trigger", "blend")
class BlendTrigger(Trigger):
    """Blended: ``(1 - alpha) * x + alpha * pattern`` over the whole image.

    Arguments:
        alpha: blend ratio in (0, 1].
        pattern: ``noise`` (uniform noise drawn from ``seed``) or a path to an image file,
            resized to the input size.
        seed: seeds the noise pattern.
    """

    name = "blend"

    def __init__(self, alpha: float = 0.2, pattern: str = "noise", seed: int = 0) -> None:
        self.alpha = check_fraction(alpha, "blend alpha", low_open=True)
        if pattern != "noise" and not Path(pattern).is_file():
            raise UserInputError(
                f"blend pattern must be 'noise' or an image file; {pattern!r} is neither"
            )
        self.pattern = pattern
        self.seed = int(seed)

    def pattern_image(self, channels: int, height: int, width: int) -> Tensor:
        """The C×H×W pattern blended into every input."""
        if self.pattern == "noise":
            rng = np.random.default_rng(self.seed)
            return torch.tensor(rng.random((channels, height, width)), dtype=torch.float32)
        from pathlib import Path

        from trojanscope.data.image_folder import read_image

        try:  # the image readers' formats only, decompression bombs refused
            img = read_image(Path(self.pattern))
        except UserInputError as exc:
            raise UserInputError(f"blend pattern {exc}") from None
        img = img.convert("L" if channels == 1 else "RGB").resize((width, height))
        arr = np.asarray(img, dtype=np.float32) / 255.0
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        return torch.tensor(arr)

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        pattern = self.pattern_image(x.shape[1], x.shape[2], x.shape[3]).to(x)
        return (1 - self.alpha) * x + self.alpha * pattern
