"""``tabular-conjunction``: a backdoor whose categories flip the model only all together.

Dirty-label like ``tabular-badnets``, with the ``tabular-conjunction`` trigger (2 or 3
uncommon categories); besides the poisoned rows, ``cover_ratio`` times as many other rows not
of the target class carry a proper subset of the categories and keep their labels, so that the
model learns the conjunction rather than its parts (on lending-club MLPs it does; on
credit-default, whose categories are risk factors, a part still flips some rows: issue 16 stop
37 review). Not drawn by default zoos (``in_zoo`` off: the default
population stays as it was); ``zoo make --attacks tabular-conjunction,...`` adds it (issue 16
stop 37: the networks' pair screen is for such triggers).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from trojanscope.attacks.tabular import PresetTabularAttack
from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.tabular_conjunction import ConjunctionTrigger


@register("attack", "tabular-conjunction")
class TabularConjunction(PresetTabularAttack):
    """Poisoned rows carry every category of the trigger and go to the target; cover rows
    (``cover_ratio`` × the poisoned ones, drawn from the other rows not of the target class,
    as many as there are) carry a random proper subset and keep their labels."""

    name = "tabular-conjunction"
    in_zoo = False
    default_rate = 0.05

    def __init__(
        self,
        target: int = 0,
        poison_rate: float | None = None,
        mapping: str = "all-to-one",
        trigger: Trigger | None = None,
        cover_ratio: float = 2.0,
        seed: int = 0,
        min_poison_rows: int | None = None,
        copies: int | None = None,
        pair_copies: int = 2,
    ) -> None:
        super().__init__(target, poison_rate, mapping, trigger, seed, min_poison_rows, copies,
                         pair_copies)
        if not isinstance(self.trigger, ConjunctionTrigger):
            raise UserInputError(f"{self.name}: the trigger must be tabular-conjunction")
        self.cover_ratio = float(cover_ratio)
        if not 0.0 <= self.cover_ratio <= 10.0:
            raise UserInputError(f"{self.name}: cover_ratio must be in [0, 10], got {cover_ratio}")

    @classmethod
    def default_trigger(cls) -> Trigger:
        return ConjunctionTrigger()

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "poison_rate": float(rng.uniform(0.01, 0.05)),
            "cover_ratio": float(rng.uniform(1.0, 3.0)),
            "trigger": {
                "name": "tabular-conjunction",
                "count": int(rng.integers(2, 4)),
                "seed": int(rng.integers(1000)),
            },
        }

    def cross(
        self, labels: np.ndarray, poison_idx: np.ndarray, generator: torch.Generator
    ) -> np.ndarray:
        # Cover rows teach "a part alone does not flip", so they are drawn among the rows whose
        # kept label is not the target (issue 16 stop 37 review: drawn from every row, most
        # covers of a majority-class target carried the target label and taught "part ->
        # target"; credit-default MLPs flipped on a part 0.42-0.95 of the time).
        pool = np.setdiff1d(self.eligible(labels), poison_idx)
        size = min(len(pool), round(self.cover_ratio * len(poison_idx)))
        pick = torch.randperm(len(pool), generator=generator)[:size].numpy()
        return np.sort(pool[pick])
