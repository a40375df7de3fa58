"""Measure an input detector against a known trigger (red-team runs, benchmarks): fit a guard on
one half of the clean inputs, score the other half and the same inputs with the trigger stamped
on, and report ROC-AUC and the true-positive rate at a false-positive rate."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from trojanscope.attacks.base import Attack
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.input_level.base import InputDetector, fit_guard, threshold_at_fpr
from trojanscope.errors import UserInputError


@dataclass
class TriggeredEvaluation:
    """Figures of one detector on one model. ``positives`` are the triggered inputs on which the
    backdoor fires (classified as the attacker's label); ``*_all`` count every triggered input."""

    method: str
    roc_auc: float
    tpr_at_fpr: float  # threshold at ``fpr`` on the held-out clean scores
    fpr: float
    guard_tpr: float  # with the guard's own threshold (set on its calibration half)
    guard_fpr: float
    roc_auc_all: float
    positives: int
    triggered: int
    negatives: int
    forward_passes_per_input: int
    fit_s: float
    score_s_per_input: float

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def roc_auc(negatives: Tensor, positives: Tensor) -> float:
    """Probability that a positive outscores a negative (ties count half)."""
    from sklearn.metrics import roc_auc_score

    y = [0] * len(negatives) + [1] * len(positives)
    if not len(negatives) or not len(positives):
        return float("nan")
    return float(roc_auc_score(y, torch.cat([negatives, positives]).double().numpy()))


def tpr_at_fpr(negatives: Tensor, positives: Tensor, fpr: float) -> float:
    """Share of ``positives`` above the threshold that flags ``fpr`` of ``negatives``."""
    return float((positives > threshold_at_fpr(negatives, fpr)).float().mean())


def triggered_split(
    model: nn.Module, clean: TensorDataset, attack: Attack, generator: torch.Generator
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(guard inputs, held-out clean inputs, triggered held-out inputs, fires mask): the clean
    data split in half at random; the trigger stamped on the held-out half (all-to-one: those
    not already of the target class)."""
    order = torch.randperm(len(clean), generator=generator)
    half = len(clean) // 2
    held = clean.subset(order[half:])
    tx, _, target = attack.test_inputs(held)
    if len(tx) == 0:
        raise UserInputError("no held-out input to stamp the trigger on")
    fires = model(tx).argmax(1) == target
    return clean.x[order[:half]], held.x, tx, fires


def evaluate_triggered(
    model: nn.Module,
    detector: InputDetector,
    clean: TensorDataset,
    attack: Attack,
    *,
    fpr: float = 0.01,
    seed: int = 0,
) -> TriggeredEvaluation:
    """Fit ``detector`` as a guard on half of ``clean``, then score the other half and its
    triggered copies."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
    start = time.perf_counter()
    guard = fit_guard(model, detector, guard_x, fpr=fpr, generator=gen)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    neg, neg_flag = guard.check(neg_x)
    pos, pos_flag = guard.check(trig_x)
    per_input = (time.perf_counter() - start) / (len(neg_x) + len(trig_x))
    fired = pos[fires]
    return TriggeredEvaluation(
        method=detector.name,
        roc_auc=roc_auc(neg, fired),
        tpr_at_fpr=tpr_at_fpr(neg, fired, fpr) if len(fired) else float("nan"),
        fpr=fpr,
        guard_tpr=float(pos_flag[fires].float().mean()) if len(fired) else float("nan"),
        guard_fpr=float(neg_flag.float().mean()),
        roc_auc_all=roc_auc(neg, pos),
        positives=int(fires.sum()),
        triggered=len(trig_x),
        negatives=len(neg_x),
        forward_passes_per_input=detector.forward_passes_per_input,
        fit_s=fit_s,
        score_s_per_input=per_input,
    )
