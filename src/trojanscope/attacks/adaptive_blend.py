"""Adaptive-blend (Qi et al., 2023): dirty-label poisoning with partial blended patterns plus
cover samples, built to keep poisoned and clean samples inseparable in latent space."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from trojanscope.attacks.base import Attack, draw_cross
from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, check_fraction
from trojanscope.triggers.pieces import PiecesTrigger


@register("attack", "adaptive-blend")
class AdaptiveBlend(Attack):
    """Adaptive-blend (Qi et al., 2023): partial blended patterns plus label-keeping covers.

    Each poisoned image is blended with a random subset of the pattern's pieces (the ``pieces``
    trigger: half of 16 at α = 0.15 by default) and relabelled; ``cover_ratio`` × as many other
    images get a partial pattern too but keep their labels (the paper's conservatism; the paper
    uses as many covers as poisoned images, which on MNIST leaves the backdoor below 90% ASR
    for one seed of three, docs/benchmarks.md). At test time the whole pattern is blended at
    ``test_alpha`` (the paper's 0.2).
    """

    name = "adaptive-blend"

    def __init__(
        self,
        target: int = 0,
        poison_rate: float = 0.05,
        mapping: str = "all-to-one",
        trigger: Trigger | None = None,
        cover_ratio: float = 0.5,
        test_alpha: float = 0.2,
        seed: int = 0,
    ) -> None:
        trigger = trigger or PiecesTrigger()
        if not isinstance(trigger, PiecesTrigger):
            raise UserInputError("adaptive-blend needs a pieces trigger")
        if float(cover_ratio) < 0:
            raise UserInputError(f"cover_ratio must be >= 0, got {cover_ratio}")
        self.cover_ratio = float(cover_ratio)
        self.test_alpha = check_fraction(test_alpha, "test_alpha", low_open=True)
        super().__init__(trigger, target, poison_rate, mapping, seed)

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.05, 0.15)),
            "cover_ratio": float(rng.uniform(0.5, 1.0)),
            "trigger": {
                "name": "pieces",
                "alpha": float(rng.uniform(0.15, 0.2)),
                "pieces": int(rng.choice([9, 16])),
                "keep": float(rng.uniform(0.5, 0.75)),
                "seed": int(rng.integers(1000)),
            },
        }

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        out = super().stronger(params)
        out["cover_ratio"] = float(out.get("cover_ratio", 1.0)) / 2
        out["trigger"]["keep"] = min(1.0, float(out["trigger"].get("keep", 0.5)) + 0.15)
        return out

    def cross(
        self, labels: np.ndarray, poison_idx: np.ndarray, generator: torch.Generator
    ) -> np.ndarray:
        return draw_cross(len(labels), poison_idx, self.cover_ratio, generator)

    def test_trigger(self) -> Trigger:
        base = self.trigger
        assert isinstance(base, PiecesTrigger)
        return PiecesTrigger(alpha=self.test_alpha, pieces=base.pieces, keep=1.0, seed=base.seed)
