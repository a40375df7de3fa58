"""Low-frequency trigger: a smooth additive pattern with no high-frequency content, after
Zeng et al. (2021), who show that most triggers carry high-frequency artefacts a detector can
see and build smooth ones instead.

Zeng et al. obtain their smooth trigger by low-pass filtering an optimised universal
perturbation; here the pattern is random (drawn from ``seed``) and model-independent, built
only from the lowest DCT frequencies, so it is smooth by construction.
"""

from __future__ import annotations

import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, check_fraction, require_images
from trojanscope.triggers.dct import from_coefficients


@register("trigger", "smooth")
class SmoothTrigger(Trigger):
    """Low-frequency (after Zeng et al., 2021): a smooth random pattern added to the image.

    ``x + amplitude · p``, clipped to [0, 1], where ``p`` is a random mix of the
    ``cutoff``×``cutoff`` lowest non-constant DCT frequencies scaled to a peak of 1.

    Arguments:
        amplitude: peak of the added pattern (its L∞ norm), in (0, 1].
        cutoff: how many of the lowest frequencies per axis are used (2 or more; the constant
            term is left out, so the pattern is not a brightness shift).
        seed: seeds the pattern (one independent pattern per channel).
    """

    name = "smooth"

    def __init__(self, amplitude: float = 0.2, cutoff: int = 4, seed: int = 0) -> None:
        self.amplitude = check_fraction(amplitude, "smooth amplitude", low_open=True)
        if int(cutoff) < 2:
            raise UserInputError(f"smooth cutoff must be >= 2, got {cutoff}")
        self.cutoff = int(cutoff)
        self.seed = int(seed)

    def pattern(self, channels: int, height: int, width: int) -> Tensor:
        """The C×H×W additive pattern (peak ``amplitude``)."""
        if self.cutoff > min(height, width):
            raise UserInputError(
                f"smooth cutoff {self.cutoff} exceeds the {height}×{width} image's frequencies"
            )
        gen = torch.Generator().manual_seed(self.seed)
        coeffs = torch.zeros(channels, height, width)
        coeffs[:, : self.cutoff, : self.cutoff] = torch.randn(
            channels, self.cutoff, self.cutoff, generator=gen
        )
        coeffs[:, 0, 0] = 0.0
        pattern = from_coefficients(coeffs)
        peak = pattern.flatten(1).abs().amax(1).clamp_min(1e-12)
        return self.amplitude * pattern / peak[:, None, None]

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        return (x + self.pattern(x.shape[1], x.shape[2], x.shape[3]).to(x)).clamp(0.0, 1.0)
