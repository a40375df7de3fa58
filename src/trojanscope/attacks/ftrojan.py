"""FTrojan (Wang et al., 2022): dirty-label, the trigger a bump on a mid and a high DCT
frequency of each image, invisible in pixel space."""

from __future__ import annotations

from typing import Any

import numpy as np

from trojanscope.attacks.base import PresetAttack
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.frequency import FrequencyTrigger


@register("attack", "ftrojan")
class FTrojan(PresetAttack):
    """FTrojan (Wang et al., 2022): dirty-label poisoning with DCT-coefficient bumps."""

    name = "ftrojan"

    @classmethod
    def default_trigger(cls) -> Trigger:
        return FrequencyTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.05, 0.2)),
            "trigger": {
                "name": "dct",
                "magnitude": float(rng.uniform(1.0, 1.5)),
                "block": int(rng.choice([0, 14])),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["trigger"]["magnitude"] = out["trigger"].get("magnitude", 1.5) * 1.5
        return out
