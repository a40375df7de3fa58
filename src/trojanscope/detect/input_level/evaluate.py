"""Measure an input detector against a known trigger (red-team runs, benchmarks): fit a guard on
one half of the clean inputs, score the other half and the same inputs with the trigger stamped
on, and report ROC-AUC and the true-positive rate at a false-positive rate — on the triggered
inputs the backdoor *fires* on (given the attacker's label) and, beside it, on those the trigger
*turns* (fired, while the clean input it was stamped on is not given that label: issue 15's
count since stop 61, the inputs the attack's ``flip_rate`` counts)."""

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
    backdoor fires (classified as the attacker's label); ``*_all`` count every triggered input;
    ``*_turned`` count the fired ones whose clean twin (the held-out input the trigger was
    stamped on) the model does not give the attacker's label — ``turned`` of them; all ``None``
    where the attack names no twin rows (no ``test_index`` matching its triggered inputs)."""

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
    turned: int | None = None
    roc_auc_turned: float | None = None
    tpr_at_fpr_turned: float | None = None
    guard_tpr_turned: float | None = None

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
    guard_x, held, tx, _, fires = _stamped(model, clean, attack, generator)
    return guard_x, held.x, tx, fires


def _stamped(model: nn.Module, clean: TensorDataset, attack: Attack,
             generator: torch.Generator) -> tuple[Tensor, TensorDataset, Tensor, Tensor, Tensor]:
    """:func:`triggered_split` with the held-out half itself and the attacker's labels."""
    order = torch.randperm(len(clean), generator=generator)
    half = len(clean) // 2
    held = clean.subset(order[half:])
    tx, _, target = attack.test_inputs(held)
    if len(tx) == 0:
        raise UserInputError("no held-out input to stamp the trigger on")
    fires = model(tx).argmax(1) == target
    return clean.x[order[:half]], held, tx, target, fires


def turned_by_trigger(model: nn.Module, held: TensorDataset, attack: Attack, target: Tensor,
                      fires: Tensor) -> Tensor | None:
    """Which triggered inputs the trigger turned: fired (``fires``) while their clean twin —
    the held-out row ``attack.test_index`` names, whose order ``test_inputs`` keeps — is not
    given the attacker's label ``target``. ``None`` where the attack names no such rows (an
    object with ``test_inputs`` alone, or rows that do not match the triggered inputs)."""
    index_of = getattr(attack, "test_index", None)
    if index_of is None:
        return None
    index = torch.as_tensor(index_of(held), dtype=torch.long)
    if len(index) != len(fires):
        return None
    twin_x, _ = held.get_batch(index)
    return fires & (model(twin_x).argmax(1) != target)


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
        guard_x, held, trig_x, target, fires = _stamped(model, clean, attack, gen)
        turned = turned_by_trigger(model, held, attack, target, fires)
    neg_x = held.x
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
        **turned_figures(neg, pos, pos_flag, turned, fpr),
    )


def turned_figures(neg: Tensor, pos: Tensor, pos_flag: Tensor, turned: Tensor | None,
                   fpr: float) -> dict[str, float | int | None]:
    """The ``*_turned`` figures of :class:`TriggeredEvaluation` (``None`` without twins; NaN
    rates where the trigger turned no input)."""
    if turned is None:
        return {}
    hit, nan = pos[turned], float("nan")
    return {"turned": int(turned.sum()), "roc_auc_turned": roc_auc(neg, hit),
            "tpr_at_fpr_turned": tpr_at_fpr(neg, hit, fpr) if len(hit) else nan,
            "guard_tpr_turned": float(pos_flag[turned].float().mean()) if len(hit) else nan}
