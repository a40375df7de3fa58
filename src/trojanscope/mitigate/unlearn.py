"""Trigger unlearning with a recovered trigger (Neural Cleanse's mitigation, Wang et al.
S&P 2019), fine-tuned with sharpness-aware minimisation (FT-SAM).

Our own detector reverse-engineers the most likely triggers from the model and the clean samples
(never the attacker's trigger); the model is then fine-tuned on the clean samples plus copies
stamped with each recovered trigger under their *true* labels, so the shortcut from trigger to
target is unlearnt. The fine-tuning is :class:`~trojanscope.mitigate.ftsam.FTSAM`'s, through the
one engine.
"""

from __future__ import annotations

import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.ftsam import FTSAM
from trojanscope.registry import register


def with_triggers(clean: TensorDataset, triggers: list) -> TensorDataset:
    """``clean`` followed by one copy per trigger, stamped and keeping the true labels."""
    xs = [clean.x, *(t.apply(clean.x).detach() for t in triggers)]
    ys = [clean.y] * (1 + len(triggers))
    return TensorDataset(torch.cat(xs), torch.cat(ys), clean.class_names, clean.name,
                         clean.source)


@register("mitigation", "unlearn")
class Unlearn(Mitigation):
    """Trigger unlearning (Wang et al., 2019) with FT-SAM: unlearn the triggers our detector
    recovers, fine-tuning with sharpness-aware minimisation.

    Arguments:
        detector: the registered detector that recovers triggers.
        top: how many of its most suspicious classes' triggers are unlearnt.
        rho: FT-SAM's perturbation radius (0 for plain fine-tuning).
        epochs: fine-tuning epochs.
        lr: fine-tuning learning rate.
    """

    name = "unlearn"

    def __init__(self, detector: str = "trigger_search", top: int = 3, rho: float = 2.0,
                 epochs: int = 20, lr: float = 1e-3) -> None:
        registry.get("detector", detector)  # an unknown name fails here, not after the setup
        self.detector = detector
        self.top = top
        self.rho = rho
        self.epochs = epochs
        self.lr = lr

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        verdict = registry.create("detector", self.detector).inspect(
            model, clean, input_shape=clean.input_shape, num_classes=None, seed=seed
        )
        ranked = [c for c in verdict.target_classes if c in verdict.triggers][: self.top]
        self.recovered_ = ranked
        data = with_triggers(clean, [verdict.triggers[c] for c in ranked])
        # no distillation: the original model's outputs on stamped copies would teach the
        # backdoor again
        ftsam = FTSAM(rho=self.rho, distill=0.0, epochs=self.epochs, lr=self.lr)
        return ftsam.purify(model, data, seed)
