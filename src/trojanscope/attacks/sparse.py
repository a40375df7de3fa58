"""Sparse-pixel poisoning: dirty-label, the trigger a few scattered pixels instead of a patch."""

from __future__ import annotations

from typing import Any

import numpy as np

from trojanscope.attacks.base import PresetAttack
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.pixels import VALUES, PixelsTrigger


@register("attack", "sparse")
class SparsePixels(PresetAttack):
    """Sparse pixels: dirty-label poisoning with ``count`` scattered fixed pixels.

    A distributed trigger with a small L0 norm but no compact support: a trigger-inversion
    method looking for a small *contiguous* mask sees it differently from a BadNets patch.
    """

    name = "sparse"

    @classmethod
    def default_trigger(cls) -> Trigger:
        return PixelsTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.05, 0.2)),
            "trigger": {
                "name": "pixels",
                "count": int(rng.integers(8, 25)),
                "value": VALUES[int(rng.integers(len(VALUES)))],
                "seed": int(rng.integers(1000)),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["trigger"]["count"] = min(60, int(out["trigger"]["count"]) + 8)
        return out
