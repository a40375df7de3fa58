"""Low-frequency poisoning (after Zeng et al., 2021): dirty-label, a smooth additive trigger."""

from __future__ import annotations

from typing import Any

import numpy as np

from trojanscope.attacks.base import PresetAttack
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.smooth import SmoothTrigger


@register("attack", "lf")
class LowFrequency(PresetAttack):
    """LF (after Zeng et al., 2021): dirty-label poisoning with a smooth additive pattern.

    A trigger with no high-frequency artefacts, which frequency-based trigger detectors and
    small-mask trigger inversion both miss by design.
    """

    name = "lf"

    @classmethod
    def default_trigger(cls) -> Trigger:
        return SmoothTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.05, 0.2)),
            "trigger": {
                "name": "smooth",
                "amplitude": float(rng.uniform(0.18, 0.3)),
                "cutoff": int(rng.integers(3, 6)),
                "seed": int(rng.integers(1000)),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["trigger"]["amplitude"] = min(0.5, out["trigger"].get("amplitude", 0.2) + 0.05)
        return out
