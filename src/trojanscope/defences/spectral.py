"""Spectral-signature filtering, then retraining (Tran, Li & Madry, NeurIPS 2018).

A backdoor leaves a trace in the learnt representation: within the target class, poisoned
samples separate from clean ones along the top singular direction of the centred penultimate
features. The defence trains once, scores every sample by its squared projection on its
(labelled) class's top direction, removes the ``removal_rate`` highest-scoring share of each
class, and trains a fresh model on what remains. Twice the cost of plain training; no extra
hyper-parameters beyond the removal share (the paper removes 1.5x the expected poison rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trojanscope.data.dataset import BatchDataset
from trojanscope.defences.base import Defence, DefenceOutcome, ModelFactory
from trojanscope.defences.subset import IndexSubset
from trojanscope.detect.data.features import penultimate_features
from trojanscope.detect.data.spectral import spectral_scores
from trojanscope.engine.callbacks import Callback
from trojanscope.engine.train import Trainer
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import ArchSpec
from trojanscope.registry import register


@register("defence", "spectral")
class Spectral(Defence):
    """Spectral signatures (Tran et al., 2018): train, drop each class's samples that stand out
    along the top singular direction of their features, retrain from scratch on the rest.

    Arguments:
        removal_rate: share of each class removed (1.5x the poison rate one defends against).
    """

    name = "spectral"

    def __init__(self, removal_rate: float = 0.15) -> None:
        if not 0 < float(removal_rate) < 1:
            raise UserInputError(f"spectral: removal_rate must lie in (0, 1), got {removal_rate}")
        self.removal_rate = float(removal_rate)

    def train(
        self,
        build: ModelFactory,
        data: BatchDataset,
        trainer: Trainer,
        *,
        callbacks: Sequence[Callback] = (),
        arch: ArchSpec | None = None,
    ) -> DefenceOutcome:
        first = build(trainer.seed)
        trainer.fit(first, data)
        labels = data.labels
        scores = spectral_scores(penultimate_features(first, data), labels)
        removed: list[int] = []
        for c in labels.unique():
            idx = torch.nonzero(labels == c).flatten()
            n = round(self.removal_rate * len(idx))
            removed += idx[torch.argsort(scores[idx], descending=True, stable=True)[:n]].tolist()
        keep = torch.ones(len(data), dtype=torch.bool)
        keep[removed] = False
        model = build(trainer.seed + 1)
        trainer.fit(model, IndexSubset(data, torch.nonzero(keep).flatten()), callbacks=callbacks)
        return DefenceOutcome(model, details={"removed": len(removed)}, flagged=sorted(removed))

    def said(self, details: dict[str, Any], n: int) -> str | None:
        """How many samples the final model did not train on, and that the share is fixed."""
        if "removed" not in details:
            return None
        return (f"{details['removed']} of {n} training samples removed before the final "
                f"training: the {self.removal_rate:.0%} of each class that stand out most, "
                f"poisoned or not (removal_rate={self.removal_rate:g})")
