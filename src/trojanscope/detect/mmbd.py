"""MM-BD: data-free backdoor detection with a maximum-margin statistic.

Wang, Xiang, Miller & Kesidis, "MM-BD: Post-Training Detection of Backdoor Attacks with Arbitrary
Backdoor Pattern Types Using a Maximum Margin Statistic", IEEE S&P 2024 (arXiv:2205.06900).

Why it works: a backdoor teaches the network a shortcut feature that drives the target class's
logit far above every other logit, whatever the trigger looks like (patch, blend, warp …). So
the largest *margin* ``logit_c(x) - max_{k≠c} logit_k(x)`` reachable anywhere in the input
domain is abnormally large for the target class. MM-BD needs no clean data and assumes no
trigger type: for each class it maximises the margin over ``x ∈ [0, 1]^(C×H×W)`` from random
starts (projected gradient ascent), fits a Gamma null to the statistics of all classes but the
largest, and reports the order-statistic p-value of the largest, ``1 - F(r_max)^(K-1)``.

The statistic of a :class:`~trojanscope.detect.base.ModelVerdict` is ``-log10`` of that p-value
(higher = more suspicious). No trigger is recovered; with ``return_pattern=True`` the input that
reached the top class's maximum margin is returned as a full-mask pattern for inspection only.
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import torch
from scipy import stats
from torch import Tensor, nn

from trojanscope.detect.base import (
    ClassResult,
    InspectionTarget,
    ModelDetector,
    ModelVerdict,
    ReversedTrigger,
    mad_anomaly,
)
from trojanscope.detect.coverage import TWO_CLASSES
from trojanscope.errors import UserInputError
from trojanscope.registry import register

log = logging.getLogger(__name__)

MAX_NEGLOG10_P = 100.0  # -log10(p) is clipped to [0, MAX_NEGLOG10_P]
MIN_NULL = 3  # fewest null statistics a three-parameter Gamma is fitted to
EARLY_STEPS = 5  # the early margin is the best one after this many ascent steps


@register("detector", "mmbd")
class MMBD(ModelDetector):
    """MM-BD (Wang et al., S&P 2024): abnormally large maximum logit margin; no clean data.

    Arguments:
        n_starts: random starting inputs per class (the paper uses 30).
        steps: projected Adam steps per start.
        lr: Adam learning rate (in pixel units: inputs live in [0, 1]).
        batch_size: inputs optimised together (bounds memory; results do not depend on it
            beyond floating-point rounding).
        return_pattern: also return, for the top class, the input that reached its maximum
            margin as a full-mask :class:`ReversedTrigger` (a picture, not a recovered trigger).
    """

    name = "mmbd"
    feature_names = ("mmbd_*",)
    needs_data = False
    uses_data = False

    def __init__(
        self,
        n_starts: int = 8,
        steps: int = 60,
        lr: float = 0.1,
        batch_size: int = 256,
        return_pattern: bool = False,
    ) -> None:
        for label, value in (("n_starts", n_starts), ("steps", steps), ("batch_size", batch_size)):
            if int(value) < 1:
                raise UserInputError(f"mmbd: {label} must be >= 1, got {value}")
        if not float(lr) > 0 or not math.isfinite(float(lr)):
            raise UserInputError(f"mmbd: lr must be a positive number, got {lr}")
        self.n_starts = int(n_starts)
        self.steps = int(steps)
        self.lr = float(lr)
        self.batch_size = int(batch_size)
        self.return_pattern = bool(return_pattern)

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        k = target.num_classes
        labels = torch.arange(k).repeat_interleave(self.n_starts)
        x0 = torch.rand(len(labels), *target.input_shape, generator=generator)
        margins, inputs, early = self._maximise(target.model, x0, labels)
        # kept for second readings of the same run (the data-free mask gate, detect/mask_gate.py;
        # the guard's mask stand, detect/guard_reading.py): every start's input and margin
        self.maximisers = (inputs.detach(), margins.detach())
        per_start = margins.reshape(k, self.n_starts).double()
        best = per_start.max(dim=1)
        order = torch.argsort(best.values, descending=True, stable=True).tolist()
        triggers: dict[int, ReversedTrigger] = {}
        if self.return_pattern:
            top = order[0]
            pattern = inputs[top * self.n_starts + int(best.indices[top])]
            triggers[top] = ReversedTrigger(top, torch.ones(1, *pattern.shape[1:]), pattern)
        early_best = early.reshape(k, self.n_starts).double().max(dim=1).values
        features, per_class = summarise_margins(per_start, best.values, order)
        _add_early(features, per_class, early_best)
        return ModelVerdict(
            method=self.name,
            statistic=features["mmbd_neglog10_p"],
            target_classes=order,
            per_class=per_class,
            features=features,
            triggers=triggers,
            # two classes: the null is one margin, the statistic undefined (coverage's trait)
            traits=[TWO_CLASSES] if k <= 2 else [],
        )

    def _maximise(
        self, model: nn.Module, x0: Tensor, labels: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Best margin reached by each start (and the input reaching it), batch by batch; also
        the best margin after the first ``EARLY_STEPS`` steps."""
        margins, inputs, early = [], [], []
        for lo in range(0, len(labels), self.batch_size):
            hi = lo + self.batch_size
            m, x, e = self._maximise_batch(model, x0[lo:hi], labels[lo:hi])
            margins.append(m)
            inputs.append(x)
            early.append(e)
        return torch.cat(margins), torch.cat(inputs), torch.cat(early)

    def _maximise_batch(
        self, model: nn.Module, x0: Tensor, labels: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Projected Adam ascent on the margin of ``labels``, keeping each start's best."""
        x = x0.clone().requires_grad_(True)
        opt = torch.optim.Adam([x], lr=self.lr)
        best = torch.full((len(labels),), -math.inf)
        best_x = x0.clone()
        early = best
        for step in range(self.steps + 1):  # the last pass only scores the final inputs
            m = margin(model(x), labels)
            with torch.no_grad():
                better = m > best
                best = torch.where(better, m, best)
                best_x[better] = x[better]
            if step == min(EARLY_STEPS, self.steps):
                early = best.clone()
            if step == self.steps:
                break
            opt.zero_grad(set_to_none=True)
            (-m.sum()).backward()
            opt.step()
            with torch.no_grad():
                x.clamp_(0.0, 1.0)
        return best, best_x, early


def _add_early(features: dict[str, float], per_class: list[ClassResult], early: Tensor) -> None:
    """How fast random noise is driven to each class: the best margin after ``EARLY_STEPS``
    steps, and the MAD anomaly of the largest. Where saturating activations (tanh, sigmoid) or
    LayerNorm flatten the final margins of every class, a backdoor target is still reached
    faster (docs/benchmarks.md, issue 9)."""
    for row in per_class:
        row.details["early_margin"] = float(early[row.cls])
    features["mmbd_early_anomaly"] = float(mad_anomaly(early).max())


def summarise_margins(
    per_start: Tensor, top_margins: Tensor, order: list[int]
) -> tuple[dict[str, float], list[ClassResult]]:
    """Model-level features and per-class evidence from the maximum margins."""
    anomaly = mad_anomaly(top_margins)
    neglog10_p = gamma_neglog10_p(top_margins.numpy())
    largest, median = float(top_margins[order[0]]), float(top_margins.median())
    second = float(top_margins[order[1]]) if len(order) > 1 else median
    mean_margins = per_start.mean(dim=1)
    features = {
        "mmbd_neglog10_p": neglog10_p,
        "mmbd_anomaly": float(anomaly[order[0]]),
        "mmbd_ratio": largest / max(abs(median), 1e-12),
        # Candidates for the calibrator (free: same margins, other summaries).
        "mmbd_gap": (largest - second) / max(abs(median), 1e-12),
        "mmbd_mean_anomaly": float(mad_anomaly(mean_margins).max()),
    }
    per_class = [
        ClassResult(
            c,
            float(top_margins[c]),
            {
                "margin": float(top_margins[c]),
                "mean_margin": float(per_start[c].mean()),
                "anomaly": float(anomaly[c]),
            },
        )
        for c in range(len(top_margins))
    ]
    return features, per_class


def margin(logits: Tensor, labels: Tensor) -> Tensor:
    """``logit_y - max_{k≠y} logit_k`` for each row."""
    own = logits.gather(1, labels[:, None]).squeeze(1)
    others = logits.scatter(1, labels[:, None], -math.inf)
    return own - others.max(dim=1).values


def gamma_neglog10_p(values: np.ndarray) -> float:
    """``-log10`` of MM-BD's order-statistic p-value of the largest value.

    A Gamma (shape, location, scale) is fitted by maximum likelihood to all values but the
    largest; the p-value of the largest under the null that it is the maximum of ``K - 1``
    draws is ``1 - F(max)^(K-1)``. Returns 0 (no evidence) when there are too few values or
    the fit fails; clipped to ``[0, MAX_NEGLOG10_P]``. The p-value is nominal, not calibrated:
    leaving the largest out thins the fitted tail, so for 10 i.i.d. Gamma draws about a quarter
    reach p < 0.05. Threshold the statistic through calibration, not at 0.05.
    """
    values = np.sort(np.asarray(values, dtype=np.float64))
    top, null = float(values[-1]), values[:-1]
    if len(null) < MIN_NULL or not np.all(np.isfinite(values)) or np.ptp(null) <= 0:
        return 0.0 if len(null) < MIN_NULL or top <= float(null.max()) else MAX_NEGLOG10_P
    params = _fit_gamma(null)
    if params is None:
        return 0.0
    logsf = float(stats.gamma.logsf(top, *params))
    n = len(null)
    if logsf > -18.0:  # 1 - (1 - sf)^n computed without cancellation
        p = -math.expm1(n * math.log1p(-math.exp(logsf)))
        neglog = -math.log10(max(p, 1e-300))
    else:  # sf is tiny: 1 - (1 - sf)^n ≈ n·sf
        neglog = -(math.log10(n) + logsf / math.log(10.0))
    return float(min(max(neglog, 0.0), MAX_NEGLOG10_P))


def _fit_gamma(null: np.ndarray) -> tuple[float, float, float] | None:
    """Gamma (shape, loc, scale) MLE; the location fixed just below the minimum if the free fit
    fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kwargs in ({}, {"floc": float(null.min() - 1e-3 * np.ptp(null))}):
            try:
                a, loc, scale = stats.gamma.fit(null, **kwargs)
            except (ValueError, RuntimeError, FloatingPointError):
                continue
            if all(map(math.isfinite, (a, loc, scale))) and a > 0 and scale > 0:
                return float(a), float(loc), float(scale)
    log.debug("mmbd: Gamma fit failed on %s", null.tolist())
    return None
