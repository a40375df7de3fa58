"""Give a purified dense model back the clean function it lost (`gated`'s ``dense_repair``).

Why (issue 12, stop 48): on MNIST MLPs `gated` leaves some backdoored models purified (ASR at
most 2%) but 2.0-3.1 points of clean accuracy down; its stages fine-tune every weight on 200
clean images, and the model drifts between them. Here, after the stages, a few epochs at a small
learning rate fit the clean labels and distil the *input* model's outputs on unlabelled
neighbours of the clean images (pairs mixed, shifted by up to 2 pixels:
:func:`~trojanscope.mitigate.adaptive.neighbourhood`), so the clean function is pulled back
towards the original's where the clean data lies, while the images stamped with the
detector's reversed trigger for its suspect keep their own labels (the stages' unlearning, so
that the fit does not grow the backdoor back). It never reads the attacker's trigger.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.base import distillation, fine_tune

# The neighbours' generator: the method's seed moved by this (not the engine's shuffling stream).
REPAIR_SEED = 6007
# The repair's Adam learning rate: a tenth of the stages' 1e-3, so a few epochs move the weights
# back towards the clean function without undoing the stages.
REPAIR_LR = 1e-4


def repair(model: nn.Module, teacher: nn.Module, clean: TensorDataset, epochs: int, seed: int,
           free: list[int] | None = None, triggers: list[ReversedTrigger] | None = None,
           lr: float = REPAIR_LR) -> None:
    """Train ``model`` in place for ``epochs`` on ``clean``: cross-entropy on the labels plus
    distillation of ``teacher``'s outputs on one neighbour of each image (seeded). ``free``:
    classes (the suspects) left out of the neighbours' distillation, as the second stage's
    ``near_free`` does: the teacher is the backdoored model, and a mix of two images is where
    it may lean to its target. ``triggers``: the detector's reversed triggers for the suspects;
    each batch's images stamped with them keep their own labels (the second stage's unlearning
    goes on while the clean function is fitted back)."""
    gen = torch.Generator().manual_seed(seed + REPAIR_SEED)

    def loss_fn(net: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        near = neighbourhood(x, gen)
        logits = net(near)
        keep = [c for c in range(logits.shape[1]) if c not in set(free or [])] or None
        loss = F.cross_entropy(net(x), y) + distillation(logits, teacher, near, classes=keep)
        for trigger in triggers or []:
            loss = loss + F.cross_entropy(net(trigger.apply(x)), y)
        return loss

    fine_tune(model, clean, epochs=epochs, lr=lr, seed=seed, loss_fn=loss_fn)
