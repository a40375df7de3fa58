"""Evaluation: clean accuracy (CA), attack success rate (ASR) and robust accuracy (RA)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import BatchDataset
from trojanscope.errors import UserInputError


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int = 1024) -> Tensor:
    """Logits of ``model`` on ``x``, in eval mode, batch by batch."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    if not torch.isfinite(out).all():
        raise UserInputError("the model produced NaN or Inf outputs")
    return out


def accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """Share of ``x`` classified as ``y``."""
    return float((predict(model, x).argmax(1) == y).float().mean())


def clean_auc(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """ROC-AUC of a two-class model on clean data: class 1's probability against ``y == 1``
    (NaN when ``y`` holds one class only)."""
    from sklearn.metrics import roc_auc_score

    if len(torch.unique(y)) < 2:
        return float("nan")
    score = torch.softmax(predict(model, x), dim=1)[:, 1]
    return float(roc_auc_score(y.numpy(), score.numpy()))


@dataclass(frozen=True)
class AttackMetrics:
    """CA on clean test data; ASR and RA on triggered test inputs (non-target for all-to-one)."""

    clean_accuracy: float
    attack_success_rate: float
    robust_accuracy: float
    n_clean: int
    n_triggered: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def evaluate_attack(model: nn.Module, test: BatchDataset, attack) -> AttackMetrics:
    """CA on ``test``; ASR (triggered inputs classified as the attacker's label) and RA
    (triggered inputs still classified correctly) on ``attack.test_inputs(test)``."""
    x, y = test.get_batch(torch.arange(len(test)))
    ca = accuracy(model, x, y)
    tx, ty, target = attack.test_inputs(test)
    pred = predict(model, tx).argmax(1)
    asr = float((pred == target).float().mean())
    ra = float((pred == ty).float().mean())
    return AttackMetrics(ca, asr, ra, len(y), len(ty))
