"""STRIP (Gao et al., ACSAC 2019): a triggered input keeps its (target) prediction when clean
images are superimposed on it, so its predictions stay confident — low entropy.

Each input is superimposed with ``n_overlays`` clean images (pixel sum, saturated at 1, as in the
paper); the score is minus the mean Shannon entropy (bits) of the model's predictions on them.
The overlays are drawn once at fit time, so an input's score does not depend on its batch.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import InputDetector
from trojanscope.registry import register


def entropy_bits(logits: Tensor) -> Tensor:
    """Shannon entropy (bits) of the softmax of each row of ``logits``."""
    logp = torch.log_softmax(logits.double(), dim=1)
    return -(logp.exp() * logp).sum(1) / torch.log(torch.tensor(2.0, dtype=torch.float64))


@register("input-detector", "strip")
class Strip(InputDetector):
    """STRIP: superimposed clean images leave a triggered input's prediction confident.

    Arguments:
        n_overlays: clean images superimposed on each input (forward passes per input).
        weight: the overlay's weight in the sum, clipped to [0, 1]: 1 adds the whole clean
            image (STRIP's), less fades it; above 1 the sum only saturates, so it is refused.
    """

    name = "strip"
    needs_clean_data = True

    def __init__(self, n_overlays: int = 20, weight: float = 1.0) -> None:
        self.n_overlays = n_overlays
        self.weight = weight
        if n_overlays < 1 or not 0 < weight <= 1:  # above 1 the sum only saturates more
            raise ValueError(
                f"n_overlays must be >= 1 and weight in (0, 1], got {n_overlays}, {weight}"
            )

    @property
    def forward_passes_per_input(self) -> int:
        return self.n_overlays

    def _fit(self, model: nn.Module, clean_x: Tensor | None, generator: torch.Generator) -> None:
        assert clean_x is not None
        pick = torch.randperm(len(clean_x), generator=generator)[: self.n_overlays]
        self.overlays_ = clean_x[pick].clone()

    def _score(self, x: Tensor) -> Tensor:
        mixed = (x[:, None] + self.weight * self.overlays_[None]).clamp(0.0, 1.0)
        logits = self.model(mixed.flatten(0, 1))
        return -entropy_bits(logits).view(len(x), -1).mean(1)
