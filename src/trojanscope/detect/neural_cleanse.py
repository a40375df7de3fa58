"""Neural Cleanse: reverse-engineer a minimal trigger for every class and flag tiny ones.

Wang, Yao, Shan, Li, Viswanath, Zheng & Zhao, "Neural Cleanse: Identifying and Mitigating
Backdoor Attacks in Neural Networks", IEEE S&P 2019.

Why it works: a backdoor is a shortcut. Any input carrying the trigger lands in the target
class, so the smallest change that sends *every* clean input to the target class is the trigger
itself, and it is far smaller than the change needed to reach any other class (which must turn
a digit into another digit). Neural Cleanse therefore solves, for every class ``t``,

    min_{m, p}  CE(f((1 - m) * x + m * p), t) + λ |m|_1     over clean inputs x,

with a single-channel mask ``m`` (1×H×W, in [0, 1] through a tanh parametrisation) and a
pattern ``p`` (C×H×W, likewise). ``λ`` follows the paper's dynamic schedule, as in the
authors' reference code: it stays 0 until the attack succeeds (≥ ``attack_success_threshold``)
for ``patience`` consecutive epochs, is then set to ``init_cost``, multiplied by 1.5 after every
``patience`` successful epochs and divided by 1.5^1.5 after every ``patience`` failing ones. The
smallest-L1 mask that reaches the success threshold is kept (re-checked on all the sampled data
as it stands, since an epoch's success is measured while the mask moves); optimisation stops
early once λ has moved both ways and that best norm has not improved for
``early_stop_patience`` epochs. Finally each class's L1 norm gets an anomaly index against the
median in MAD units; the paper flags classes whose norm is abnormally *small* (index
``(median - norm) / MAD > 2``).

The optimisation keeps the reference settings (random initial mask and pattern, Adam with lr 0.1
and betas (0.5, 0.9), λ from 1e-3 with multiplier 1.5, patience 5, success threshold 0.99,
mini-batches of 32) but a much smaller budget: 20 clean samples per class and at most 50 epochs
instead of ~1,000 samples and up to 1,000 epochs, so a 10-class MNIST CNN takes about 20 s on two
CPU cores. Only input gradients are computed; the model's parameters stay frozen.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.detect.base import (
    ClassResult,
    InspectionTarget,
    ModelDetector,
    ModelVerdict,
    ReversedTrigger,
    balanced_sample,
    mad_anomaly,
)
from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.stamp import stamp

log = logging.getLogger(__name__)

COST_UP = 1.5  # the paper's λ multiplier when the attack succeeds
COST_DOWN = 1.5**1.5  # and its divisor when the attack fails
EARLY_STOP_TOLERANCE = 0.99  # the best norm must shrink by > 1% to count as an improvement
TANH_LIMIT = 1 - 1e-4  # keeps atanh finite when encoding initial values at 0 or 1
TOP_TRIGGERS = 3  # reversed triggers returned for the most anomalous classes


@dataclass
class ClassTrigger:
    """The outcome of reversing one class: best mask, pattern, its L1 norm and success rate."""

    cls: int
    mask: Tensor
    pattern: Tensor
    l1_norm: float
    attack_success: float
    epochs: int = 0


class CostSchedule:
    """The paper's dynamic λ: zero until the attack works, then raised or lowered by patience."""

    def __init__(self, init_cost: float, patience: int, threshold: float) -> None:
        self.init_cost = init_cost
        self.patience = patience
        self.threshold = threshold
        self.cost = 0.0
        self.set_count = self.up_count = self.down_count = 0
        self.moved_up = self.moved_down = False

    @property
    def settled(self) -> bool:
        """λ has been both raised and lowered: the search has bracketed the threshold."""
        return self.moved_up and self.moved_down

    def update(self, success: float) -> None:
        """Adjust λ after one epoch with mean attack success ``success``."""
        ok = success >= self.threshold
        if self.cost == 0 and ok:
            self.set_count += 1
            if self.set_count >= self.patience:
                self.cost = self.init_cost
                self.up_count = self.down_count = 0
                self.moved_up = self.moved_down = False
        else:
            self.set_count = 0
        self.up_count, self.down_count = (self.up_count + 1, 0) if ok else (0, self.down_count + 1)
        if self.cost == 0:
            return
        if self.up_count >= self.patience:
            self.up_count = 0
            self.cost *= COST_UP
            self.moved_up = True
        elif self.down_count >= self.patience:
            self.down_count = 0
            self.cost /= COST_DOWN
            self.moved_down = True


class EarlyStop:
    """Counts epochs in which the best norm found so far has not shrunk by more than 1%."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.reference = math.inf
        self.stale = 0

    def update(self, best_norm: float) -> bool:
        """Record this epoch's best norm; True once it has been stale for ``patience`` epochs."""
        if best_norm < math.inf:
            improved = best_norm < EARLY_STOP_TOLERANCE * self.reference
            self.stale = 0 if improved else self.stale + 1
        self.reference = min(self.reference, best_norm)
        return self.stale >= self.patience


def encode(values: Tensor) -> Tensor:
    """Values in [0, 1] to the unconstrained tanh space that :func:`decode` inverts."""
    return torch.atanh((2 * values - 1).clamp(-TANH_LIMIT, TANH_LIMIT))


def decode(raw: Tensor) -> Tensor:
    """Unconstrained parameters to values in [0, 1]."""
    return torch.tanh(raw) / 2 + 0.5


def smallest(candidates: list[ClassTrigger]) -> float:
    """L1 norm of the latest (smallest) candidate trigger; infinite before the first."""
    return candidates[-1].l1_norm if candidates else math.inf


def success_rate(model: nn.Module, x: Tensor, mask: Tensor, pattern: Tensor, cls: int) -> float:
    """Fraction of ``x`` that the trigger sends to class ``cls``."""
    with torch.no_grad():
        return float((model(stamp(x, mask, pattern)).argmax(1) == cls).float().mean())


@register("detector", "neural_cleanse")
class NeuralCleanse(ModelDetector):
    """Neural Cleanse (Wang et al., S&P 2019): a class whose reversed trigger is tiny is a target.

    Arguments:
        steps: most optimisation epochs per class (each one pass over the sampled clean data).
        batch_size: clean inputs per Adam step.
        per_class: clean samples drawn from each class (a balanced sample).
        init_cost: the λ the L1 penalty starts from once the attack first succeeds.
        lr: Adam learning rate on the tanh-space mask and pattern.
        patience: epochs of success (failure) before λ is raised ×1.5 (lowered ÷1.5^1.5).
        attack_success_threshold: fraction of inputs the trigger must send to the class.
        early_stop_patience: epochs without a smaller best mask before stopping (once λ has
            been both raised and lowered).
        anomaly_threshold: anomaly index above which a class is flagged as a target.
    """

    name = "neural_cleanse"
    feature_names = ("anomaly_index", "min_norm_ratio", "min_norm", "median_norm",
                     "min_norm_fraction", "flagged_classes")
    needs_data = True

    def __init__(
        self,
        steps: int = 50,
        batch_size: int = 32,
        per_class: int = 20,
        init_cost: float = 1e-3,
        lr: float = 0.1,
        patience: int = 5,
        attack_success_threshold: float = 0.99,
        early_stop_patience: int = 10,
        anomaly_threshold: float = 2.0,
    ) -> None:
        for label, value in (
            ("steps", steps),
            ("batch_size", batch_size),
            ("per_class", per_class),
            ("patience", patience),
            ("early_stop_patience", early_stop_patience),
        ):
            if int(value) < 1:
                raise UserInputError(f"neural_cleanse: {label} must be >= 1, got {value}")
        for label, value in (("init_cost", init_cost), ("lr", lr)):
            if not (math.isfinite(float(value)) and float(value) > 0):
                raise UserInputError(
                    f"neural_cleanse: {label} must be a positive number, got {value}"
                )
        if not 0 < float(attack_success_threshold) <= 1:
            raise UserInputError(
                "neural_cleanse: attack_success_threshold must lie in (0, 1], "
                f"got {attack_success_threshold}"
            )
        self.steps = int(steps)
        self.batch_size = int(batch_size)
        self.per_class = int(per_class)
        self.init_cost = float(init_cost)
        self.lr = float(lr)
        self.patience = int(patience)
        self.attack_success_threshold = float(attack_success_threshold)
        self.early_stop_patience = int(early_stop_patience)
        self.anomaly_threshold = float(anomaly_threshold)

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        if target.clean is None:  # inspect() already refuses this; run() may be called directly
            raise UserInputError(f"method {self.name!r} needs clean data (--data or --dataset)")
        if len(target.input_shape) != 3:
            raise UserInputError(
                f"method {self.name!r} needs image inputs C×H×W, got shape {target.input_shape}"
            )
        x = balanced_sample(target.clean, self.per_class, generator).x
        with torch.enable_grad():
            results = [
                self.reverse_class(target.model, x, c, generator) for c in range(target.num_classes)
            ]
        return self.verdict(results)

    def reverse_class(
        self, model: nn.Module, x: Tensor, cls: int, generator: torch.Generator
    ) -> ClassTrigger:
        """Optimise the smallest mask and pattern that send ``x`` to class ``cls``."""
        channels, height, width = x.shape[1:]
        raw_mask = encode(torch.rand(1, height, width, generator=generator)).requires_grad_()
        raw_pattern = encode(torch.rand(channels, height, width, generator=generator))
        raw_pattern.requires_grad_()
        optimizer = torch.optim.Adam([raw_mask, raw_pattern], lr=self.lr, betas=(0.5, 0.9))
        schedule = CostSchedule(self.init_cost, self.patience, self.attack_success_threshold)
        stop = EarlyStop(self.early_stop_patience)
        labels = torch.full((len(x),), cls, dtype=torch.long)
        candidates: list[ClassTrigger] = []  # each smaller than the one before
        epochs = 0
        while epochs < self.steps:
            epochs += 1
            success = self.train_epoch(
                model, x, labels, (raw_mask, raw_pattern, optimizer), schedule.cost, generator
            )
            mask, pattern = decode(raw_mask.detach()), decode(raw_pattern.detach())
            norm = float(mask.sum())
            if success >= self.attack_success_threshold and norm < smallest(candidates):
                candidates.append(ClassTrigger(cls, mask, pattern, norm, success))
            if stop.update(smallest(candidates)) and schedule.settled:
                break
            schedule.update(success)
        best = self.confirm(model, x, candidates or [ClassTrigger(cls, mask, pattern, norm, 0.0)])
        best.epochs = epochs
        log.debug(
            "neural_cleanse class %d: L1 %.2f, success %.3f, %d epochs",
            cls,
            best.l1_norm,
            best.attack_success,
            epochs,
        )
        return best

    def confirm(self, model: nn.Module, x: Tensor, candidates: list[ClassTrigger]) -> ClassTrigger:
        """The smallest candidate whose success, re-measured on all of ``x``, meets the threshold.

        A candidate's success was seen while the mask changed during its epoch, so it is checked
        once more as it stands; smaller ones are tried first. If none passes (or the attack never
        reached the threshold, leaving only the last mask), the most successful one is reported.
        """
        for cand in reversed(candidates):
            cand.attack_success = success_rate(model, x, cand.mask, cand.pattern, cand.cls)
            if cand.attack_success >= self.attack_success_threshold:
                return cand
        return max(reversed(candidates), key=lambda c: c.attack_success)

    def train_epoch(
        self,
        model: nn.Module,
        x: Tensor,
        labels: Tensor,
        state: tuple[Tensor, Tensor, torch.optim.Optimizer],
        cost: float,
        generator: torch.Generator,
    ) -> float:
        """One shuffled pass of Adam steps; returns the attack success seen during the pass."""
        raw_mask, raw_pattern, optimizer = state
        hits = 0
        order = torch.randperm(len(x), generator=generator)
        for index in order.tensor_split(math.ceil(len(x) / self.batch_size)):
            mask, pattern = decode(raw_mask), decode(raw_pattern)
            logits = model(stamp(x[index], mask, pattern))
            loss = F.cross_entropy(logits, labels[index]) + cost * mask.sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            hits += int((logits.detach().argmax(1) == labels[index]).sum())
        return hits / len(x)

    def verdict(self, results: list[ClassTrigger]) -> ModelVerdict:
        """Anomaly index of every class's norm (low side) and the model-level verdict."""
        norms = torch.tensor([r.l1_norm for r in results], dtype=torch.float64)
        anomaly = -mad_anomaly(norms)
        order = sorted(range(len(results)), key=lambda c: (-float(anomaly[c]), c))
        flagged = [c for c in order if float(anomaly[c]) > self.anomaly_threshold]
        median = float(norms.median())
        per_class = [
            ClassResult(
                r.cls,
                float(anomaly[r.cls]),
                {
                    "l1_norm": r.l1_norm,
                    "attack_success": r.attack_success,
                    "epochs": float(r.epochs),
                },
            )
            for r in results
        ]
        features = {
            "anomaly_index": float(anomaly.max()),
            "min_norm_ratio": float(norms.min()) / max(median, 1e-12),
            "min_norm": float(norms.min()),
            "median_norm": median,
            "min_norm_fraction": float(norms.min()) / results[0].mask.numel(),
            "flagged_classes": float(len(flagged)),
        }
        triggers = {
            c: ReversedTrigger(c, results[c].mask.clone(), results[c].pattern.clone())
            for c in order[:TOP_TRIGGERS]
        }
        return ModelVerdict(
            method=self.name,
            statistic=float(anomaly.max()),
            target_classes=[*flagged, *(c for c in order if c not in flagged)],  # every class
            per_class=per_class,
            features=features,
            triggers=triggers,
        )
