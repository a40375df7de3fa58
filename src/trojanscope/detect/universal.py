"""How small a universal perturbation sends clean inputs to each class (input-space probe).

A backdoor is a shortcut: one input change (the trigger) sends inputs of every class to the
target. Searching, per class, for one additive perturbation shared by all clean inputs of the
other classes, the target needs a far smaller one than the other classes. Unlike MM-BD's
margins, the size is measured in input space, on the data's own value range, so it does not
depend on the range of the model's activations (tanh, sigmoid, GELU) or on normalisation
layers — the property issue 9's leave-one-family-out study asked for.

For all classes at once, the perturbation is optimised by signed-gradient steps while its L-inf
bound grows linearly from 0 to ``eps_max`` (as a fraction of the data range); the first bound at
which ``level`` of the other classes' samples go to the class is that class's size. The
model-level features compare the smallest size with the others': ``uap_log_ratio`` (log of the
median over the smallest) and ``uap_anomaly`` (MAD anomaly index of the smallest).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from trojanscope.detect.base import (
    ClassResult,
    InspectionTarget,
    ModelDetector,
    ModelVerdict,
    mad_anomaly,
)
from trojanscope.registry import register


@register("detector", "universal")
class UniversalPerturbation(ModelDetector):
    """Per class, the smallest universal L-inf perturbation that sends most other-class clean
    inputs to it; a backdoor target needs an anomalously small one.

    Arguments:
        per_class: clean samples of the other classes perturbed for each class.
        steps: signed-gradient steps while the bound grows from 0 to ``eps_max``.
        eps_max: largest bound, as a fraction of the data's value range.
        level: share of inputs a class must receive to count as reached.
    """

    name = "universal"
    needs_data = True

    def __init__(
        self, per_class: int = 30, steps: int = 40, eps_max: float = 0.4, level: float = 0.5
    ) -> None:
        self.per_class = per_class
        self.steps = steps
        self.eps_max = eps_max
        self.level = level

    def sizes(self, target: InspectionTarget, generator: torch.Generator) -> torch.Tensor:
        """Per class, the bound (fraction of the data range) at which it is reached;
        ``1.25 * eps_max`` for classes never reached."""
        assert target.clean is not None
        x, y, k = target.clean.x, target.clean.labels, target.num_classes
        low, high = float(x.min()), float(x.max())
        span = max(high - low, 1e-6)
        others = [x[y != c] for c in range(k)]
        n = min(self.per_class, *(len(o) for o in others))
        batch = torch.stack([o[torch.randperm(len(o), generator=generator)[:n]] for o in others])
        labels = torch.arange(k).repeat_interleave(n)
        delta = torch.zeros(k, 1, *x.shape[1:], requires_grad=True)
        reached = torch.full((k,), 1.25 * self.eps_max)
        step = 2.5 * self.eps_max * span / self.steps
        for s in range(self.steps):
            bound = self.eps_max * (s + 1) / self.steps
            logits = target.model((batch + delta).clamp(low, high).flatten(0, 1))
            loss = F.cross_entropy(logits, labels, reduction="sum") / n
            (grad,) = torch.autograd.grad(loss, delta)
            with torch.no_grad():
                hit = (logits.argmax(1) == labels).float().view(k, n).mean(1)
                newly = (hit >= self.level) & (reached > self.eps_max)
                reached[newly] = max(self.eps_max * s / self.steps, 1e-3)
                delta -= step * grad.sign()
                delta.clamp_(-bound * span, bound * span)
        return reached

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        sizes = self.sizes(target, generator)
        anomaly = mad_anomaly(-sizes)
        order = torch.argsort(sizes).tolist()
        features = universal_features(sizes.tolist())
        return ModelVerdict(
            method=self.name,
            statistic=features["uap_anomaly"],
            target_classes=order,
            per_class=[ClassResult(c, float(anomaly[c]), {"uap_size": float(sizes[c])})
                       for c in range(target.num_classes)],
            features=features,
        )


def universal_features(sizes: list[float]) -> dict[str, float]:
    """Model-level features from the per-class perturbation sizes."""
    t = torch.tensor(sizes, dtype=torch.float64)
    smallest = float(t.min())
    return {
        "uap_log_ratio": math.log(float(t.median()) / max(smallest, 1e-3)),
        "uap_anomaly": float(mad_anomaly(-t).max()),
    }
