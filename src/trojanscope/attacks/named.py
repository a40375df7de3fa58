"""The named attacks: each pairs a poisoning strategy with its trigger's published defaults."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from trojanscope.attacks.base import Attack, CleanLabelAttack, PresetAttack, draw_cross
from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.blend import BlendTrigger
from trojanscope.triggers.patch import PATTERNS, POSITIONS, PatchTrigger
from trojanscope.triggers.sig import SIGTrigger
from trojanscope.triggers.warp import WarpTrigger


@register("attack", "badnets")
class BadNets(PresetAttack):
    """BadNets (Gu et al., 2017): dirty-label poisoning with a corner patch."""

    name = "badnets"

    @classmethod
    def default_trigger(cls) -> Trigger:
        return PatchTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.05, 0.2)),
            "trigger": {
                "name": "patch",
                "size": int(rng.integers(2, 6)),
                "position": POSITIONS[int(rng.integers(len(POSITIONS)))],
                "pattern": PATTERNS[int(rng.integers(len(PATTERNS)))],
                "seed": int(rng.integers(1000)),
            },
        }


@register("attack", "blended")
class Blended(PresetAttack):
    """Blended (Chen et al., 2017): dirty-label poisoning with a full-image blended pattern."""

    name = "blended"

    @classmethod
    def default_trigger(cls) -> Trigger:
        return BlendTrigger(alpha=0.2)

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.05, 0.2)),
            "trigger": {
                "name": "blend",
                "alpha": float(rng.uniform(0.12, 0.25)),
                "seed": int(rng.integers(1000)),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["trigger"]["alpha"] = min(0.4, out["trigger"]["alpha"] + 0.05)
        return out


@register("attack", "sig")
class SIG(CleanLabelAttack):
    """SIG (Barni et al., 2019): clean-label; a sinusoid added to target-class samples only.

    The paper treats the test-time amplitude as free: a signal stronger than the training one
    activates the backdoor more reliably. ``test_delta`` sets it (``None``: same as training).
    Defaults (amplitude 0.3, 2 periods, every target-class sample, test amplitude 0.6) are
    chosen for the bundled MNIST, where a weaker signal is ignored by a CNN; see
    docs/benchmarks.md.
    """

    name = "sig"
    max_poison_rate = 1.0

    def __init__(
        self,
        target: int = 0,
        poison_rate: float = 1.0,
        mapping: str = "all-to-one",
        trigger: Trigger | None = None,
        test_delta: float | None = 0.6,
        seed: int = 0,
    ) -> None:
        super().__init__(
            trigger or SIGTrigger(delta=0.3, frequency=2.0), target, poison_rate, mapping, seed
        )
        if test_delta is not None and not isinstance(self.trigger, SIGTrigger):
            raise UserInputError("sig's test_delta needs a sig trigger")
        self.test_delta = None if test_delta is None else float(test_delta)

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.8, 1.0)),
            "trigger": {
                "name": "sig",
                "delta": float(rng.uniform(0.25, 0.35)),
                "frequency": float(rng.choice([2.0, 3.0])),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["trigger"]["delta"] = min(0.5, out["trigger"]["delta"] + 0.05)
        return out

    def test_trigger(self) -> Trigger:
        if self.test_delta is None:
            return self.trigger
        base = self.trigger
        assert isinstance(base, SIGTrigger)
        return SIGTrigger(delta=self.test_delta, frequency=base.frequency, shape=base.shape)


@register("attack", "wanet")
class WaNet(Attack):
    """WaNet (Nguyen & Tran, 2021): warping trigger trained with its noise mode.

    Besides the poisoned samples, ``cross_ratio`` × as many other samples are warped through a
    randomly perturbed field and keep their labels, so that only the exact warp triggers.
    """

    name = "wanet"
    # Neither the MLP nor LeNet-5 learns WaNet's warp within a zoo's training budget (measured:
    # ASR below 0.2 even with stronger warps): in zoos WaNet goes to the CNN.
    zoo_archs = ("cnn",)

    def __init__(
        self,
        target: int = 0,
        poison_rate: float = 0.1,
        mapping: str = "all-to-one",
        trigger: Trigger | None = None,
        cross_ratio: float = 2.0,
        seed: int = 0,
    ) -> None:
        # Strength 1.0 rather than the paper's 0.5: the bundled MNIST trains for a few epochs only.
        trigger = trigger or WarpTrigger(strength=1.0)
        if not hasattr(trigger, "apply_noise"):
            raise UserInputError("wanet needs a warp trigger (one with a noise mode)")
        if float(cross_ratio) < 0:
            raise UserInputError(f"cross_ratio must be >= 0, got {cross_ratio}")
        self.cross_ratio = float(cross_ratio)
        super().__init__(trigger, target, poison_rate, mapping, seed)

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.08, 0.2)),
            "trigger": {
                "name": "warp",
                "strength": float(rng.uniform(0.9, 1.2)),
                "seed": int(rng.integers(1000)),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["trigger"]["strength"] = out["trigger"]["strength"] + 0.25
        return out

    def cross(
        self, labels: np.ndarray, poison_idx: np.ndarray, generator: torch.Generator
    ) -> np.ndarray:
        return draw_cross(len(labels), poison_idx, self.cross_ratio, generator)


register("attack", "dirty-label")(Attack)
register("attack", "clean-label")(CleanLabelAttack)
