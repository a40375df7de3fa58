"""Evaluation: clean accuracy (CA), attack success rate (ASR), flip rate and robust accuracy
(RA)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import BatchDataset
from trojanscope.engine.modes import eval_mode
from trojanscope.errors import UserInputError


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int = 1024) -> Tensor:
    """Logits of ``model`` on ``x``, in eval mode, batch by batch."""
    with eval_mode(model):
        out = torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
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


def rare_recall(model: nn.Module, x: Tensor, y: Tensor) -> dict[str, int]:
    """The test split's rarest class, its row count and how many of those rows the model gives
    that class (its recall's numerator at its own decision, the top class); nothing where the
    split holds one class. A model trained on a table whose rare label holds 3% of the rows can
    answer the common one always, and its CA then reads as skill (issue 9 stop 82: the README's
    fraud line on a 3%-fraud table flagged none)."""
    counts = torch.bincount(y, minlength=2)
    present = torch.nonzero(counts).ravel()
    if len(present) < 2:  # one class only: no rare label to read (the chance note reads the CA)
        return {}
    rare = int(present[counts[present].argmin()])
    rows = y == rare
    hits = int((predict(model, x[rows]).argmax(1) == rare).sum())
    return {"rare_class": rare, "rare_count": int(rows.sum()), "rare_hits": hits}


@dataclass(frozen=True)
class AttackMetrics:
    """CA on clean test data; ASR, flip rate and RA on triggered test inputs (non-target for
    all-to-one).

    ASR counts every triggered input the model gives the attacker's label, including those it
    gives that label without the trigger too; the flip rate counts only the inputs the trigger
    moves (see :func:`flip_rate`). A backdoor towards the class a model answers anyway has a
    high ASR and a flip rate of NaN or near 0: it changes no decision."""

    clean_accuracy: float
    attack_success_rate: float
    robust_accuracy: float
    n_clean: int
    n_triggered: int
    flip_rate: float = float("nan")
    n_flippable: int = 0

    def as_dict(self) -> dict[str, float | int | None]:
        """The figures, each NaN as ``None`` (JSON has no NaN): the flip rate where no input
        was left for the trigger to move, CA or ASR on an empty test set."""
        out = asdict(self)
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in out.items()}


def flip_rate(before: Tensor, after: Tensor, target: Tensor) -> tuple[float, int]:
    """(flip rate, inputs it is measured on): among the inputs whose untriggered prediction
    ``before`` is not the attacker's label ``target``, the share whose triggered prediction
    ``after`` is. NaN when there are none (the model already gives every input the target:
    the trigger has nothing left to change)."""
    free = before != target
    n = int(free.sum())
    if n == 0:
        return float("nan"), 0
    return float((after[free] == target[free]).float().mean()), n


def evaluate_attack(model: nn.Module, test: BatchDataset, attack) -> AttackMetrics:
    """CA on ``test``; ASR (triggered inputs classified as the attacker's label), flip rate
    (the same, among the inputs not so classified without the trigger) and RA (triggered
    inputs still classified correctly) on ``attack.test_inputs(test)``."""
    x, y = test.get_batch(torch.arange(len(test)))
    clean_pred = predict(model, x).argmax(1)
    ca = float((clean_pred == y).float().mean())
    tx, ty, target = attack.test_inputs(test)
    pred = predict(model, tx).argmax(1)
    # the same rows' answers without the trigger: the clean pass already made them
    before = clean_pred[torch.from_numpy(attack.test_index(test))]
    asr = float((pred == target).float().mean())
    ra = float((pred == ty).float().mean())
    flips, n_flippable = flip_rate(before, pred, target)
    return AttackMetrics(ca, asr, ra, len(y), len(ty), flips, n_flippable)
