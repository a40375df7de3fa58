"""BppAttack (Wang et al., 2022): dirty-label, the trigger the image's own colour depth squeezed
to a few levels (optionally dithered)."""

from __future__ import annotations

from typing import Any

import numpy as np

from trojanscope.attacks.base import PresetAttack
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.quantize import QuantizeTrigger


@register("attack", "bpp")
class BppAttack(PresetAttack):
    """BppAttack (Wang et al., 2022): dirty-label poisoning with a colour-depth trigger.

    The paper also trains on adversarially perturbed, quantised negative samples that keep their
    labels; that step needs the model in the poisoning loop and is not done here.
    """

    name = "bpp"
    # The MLP does not learn the binarisation within a zoo's budget (measured: ASR 0.23 after
    # every retry, docs/benchmarks.md): in zoos BppAttack goes to the two convolutional nets.
    zoo_archs = ("cnn", "lenet5")

    @classmethod
    def default_trigger(cls) -> Trigger:
        return QuantizeTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.05, 0.2)),
            "trigger": {
                "name": "quantize",
                # On MNIST, 4 levels barely change the (almost binary) digits and the backdoor
                # does not take (docs/benchmarks.md): the zoo draws binarisation only.
                "levels": 2,
                "dither": bool(rng.integers(2)),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["trigger"]["levels"] = max(2, int(out["trigger"].get("levels", 2)) - 1)
        return out
