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

With ``pattern="stripes"`` the perturbation is one row of values repeated down the image
(vertical stripes, the shape of SIG's sinusoid and ramp). Clean-label signal backdoors fire only
on a large signal (SIG's test-time amplitude is 0.6 of the range), far beyond what a free
perturbation needs to reach any class, but restricted to stripes the target is reached first.
Its features are named ``stripe_log_ratio`` and ``stripe_anomaly``.

With ``pattern="empty"`` the perturbation is confined to the clean data's empty pixels (those at
the data's minimum in almost every clean image: on MNIST the border and the corners) and added
upwards only, its bound growing to the whole data range (issue 9, stop 32). A frame, a corner
patch or pixels near the edge lie where clean digits are never written; a clean model was never
trained to respond there, a backdoored one was, so there the target is reached by far the most
inputs while the free perturbation reaches every class about equally (the interior pixels are
the natural adversarial route to any class). Its features are named ``empty_*``; the flip-share
gap (``share_gap``: the largest share minus the second) is the one issue 9 measured.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from trojanscope.detect.base import (
    ClassResult,
    InspectionTarget,
    ModelDetector,
    ModelVerdict,
    mad_anomaly,
)
from trojanscope.errors import UserInputError
from trojanscope.params import check_option
from trojanscope.registry import register

PATTERNS = {"free": 0.4, "stripes": 0.8, "empty": 1.0}  # pattern -> default eps_max
EMPTY_LEVEL = 0.1  # a pixel is lit above the minimum plus this share of the range
EMPTY_SHARE = 0.005  # and empty when lit in at most this share of the clean images
# An empty-pixel gap above this is evidence of its own (the shipped ``auto:raise`` term's start,
# calibration.json; a test keeps the two equal): the probe's class is then a suspect too.
EMPTY_GAP_HINT = 0.2
# The same for a model without a convolution (its first weighted layer dense): the shipped
# term's ``start_dense`` (issue 9, stop 37: a clean MLP's untrained border weights put its gap
# near 0.2 on many draws; the frame probe, ``detect/frame.py``, reads frame triggers there).
EMPTY_GAP_HINT_DENSE = 0.3


@register("detector", "universal")
class UniversalPerturbation(ModelDetector):
    """Per class, the smallest universal L-inf perturbation that sends most other-class clean
    inputs to it; a backdoor target needs an anomalously small one.

    Arguments:
        per_class: clean samples of the other classes perturbed for each class.
        steps: signed-gradient steps while the bound grows from 0 to ``eps_max``.
        eps_max: largest bound, as a fraction of the data's value range (default 0.4 for a
            free perturbation, 0.8 for stripes, 1.0 on the empty pixels).
        level: share of inputs a class must receive to count as reached.
        pattern: ``free`` (any perturbation), ``stripes`` (one row repeated down the image) or
            ``empty`` (upwards, on the pixels the clean images leave at their minimum).
    """

    name = "universal"
    feature_names = ("uap_*", "stripe_*", "empty_*")  # by pattern: free, stripes, empty
    needs_data = True

    def __init__(
        self,
        per_class: int = 30,
        steps: int = 40,
        eps_max: float | None = None,
        level: float = 0.5,
        pattern: str = "free",
    ) -> None:
        if pattern not in PATTERNS:
            raise UserInputError(f"unknown universal pattern {pattern!r}; valid: "
                                 f"{', '.join(PATTERNS)}")
        eps_max = PATTERNS[pattern] if eps_max is None else eps_max
        # per_class=0 would probe no input and call every model clean; steps=0 divides by zero
        check_option("per_class", per_class, 1, integer=True)
        check_option("steps", steps, 1, integer=True)
        check_option("eps_max", eps_max, 0.0, 1.0, above=True)
        check_option("level", level, 0.0, 1.0, above=True)
        self.per_class = int(per_class)
        self.steps = int(steps)
        self.eps_max = eps_max
        self.level = level
        self.pattern = pattern

    @property
    def prefix(self) -> str:
        """Feature-name prefix: ``uap`` for free perturbations, ``stripe`` for stripes,
        ``empty`` on the empty pixels."""
        return {"free": "uap", "stripes": "stripe"}.get(self.pattern, self.pattern)

    def sizes(self, target: InspectionTarget, generator: torch.Generator) -> torch.Tensor:
        """Per class, the bound (fraction of the data range) at which it is reached;
        ``1.25 * eps_max`` for classes never reached."""
        return self.sizes_from_hits(self.hits(target, generator))

    def sizes_from_hits(self, hits: torch.Tensor) -> torch.Tensor:
        """``sizes`` from ``hits``: the bound before the first step at which ``level`` of a
        class's inputs were sent to it."""
        reached = torch.full((hits.shape[0],), 1.25 * self.eps_max)
        for c in range(hits.shape[0]):
            first = torch.nonzero(hits[c] >= self.level)
            if len(first):
                reached[c] = max(self.eps_max * int(first[0]) / self.steps, 1e-3)
        return reached

    def hits(self, target: InspectionTarget, generator: torch.Generator) -> torch.Tensor:
        """Per class (rows) and step (columns), the share of the other classes' inputs sent
        to the class while the bound grows: a decision count, free of the logit scale."""
        assert target.clean is not None
        x, k = target.clean.x, target.num_classes
        low, high = float(x.min()), float(x.max())
        span = max(high - low, 1e-6)
        batch, labels = other_class_batch(target, self.per_class, generator)
        n = batch.shape[1]
        self.inputs_per_class_ = n  # what the flip shares' floor counts in (share_features)
        shape = [k, 1, *x.shape[1:]]
        if self.pattern == "stripes" and len(shape) >= 4:
            shape[-2] = 1  # one row, broadcast over the image's height
        region = empty_pixels(x) if self.pattern == "empty" else torch.ones(())
        floor = 0.0 if self.pattern == "empty" else -1.0  # empty pixels only go upwards
        delta = torch.zeros(shape, requires_grad=True)
        hits = torch.zeros(k, self.steps)
        step = 2.5 * self.eps_max * span / self.steps
        for s in range(self.steps):
            bound = self.eps_max * (s + 1) / self.steps
            logits = target.model((batch + delta * region).clamp(low, high).flatten(0, 1))
            loss = F.cross_entropy(logits, labels, reduction="sum") / n
            (grad,) = torch.autograd.grad(loss, delta)
            with torch.no_grad():
                hits[:, s] = (logits.argmax(1) == labels).float().view(k, n).mean(1)
                delta -= step * grad.sign()
                delta.clamp_(floor * bound * span, bound * span)
        return hits

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        sizes = self.sizes(target, generator)
        anomaly = mad_anomaly(-sizes)
        order = torch.argsort(sizes).tolist()
        features = universal_features(sizes.tolist(), self.prefix)
        return ModelVerdict(
            method=self.name,
            statistic=features[f"{self.prefix}_anomaly"],
            target_classes=order,
            per_class=[ClassResult(c, float(anomaly[c]), {f"{self.prefix}_size": float(sizes[c])})
                       for c in range(target.num_classes)],
            features=features,
        )


def share_features(hits: torch.Tensor, prefix: str = "uap", per_class: int = 30
                   ) -> dict[str, float]:
    """Flip-share features from ``UniversalPerturbation.hits`` (issue 9, eighth round): per
    class, the share of the other classes' inputs the growing perturbation sends to it,
    averaged over the bound schedule. Counts of decisions, so free of the logit scale that
    label smoothing, SGD or a cosine schedule shrink. ``{prefix}_share_top`` (the largest),
    ``{prefix}_share_anomaly`` (its MAD anomaly index, clamped to ±10) and
    ``{prefix}_share_log_ratio`` (log of the largest over the median, both floored at one
    input at one step of ``per_class`` inputs)."""
    area = hits.to(torch.float64).mean(1)
    floor = 1.0 / (per_class * hits.shape[1])
    top, middle = float(area.max()), float(area.quantile(0.5))
    return {f"{prefix}_share_top": top,
            f"{prefix}_share_anomaly": float(mad_anomaly(area).clamp(-10, 10).max()),
            f"{prefix}_share_log_ratio": math.log(max(top, floor) / max(middle, floor))}


def other_class_batch(target: InspectionTarget, per_class: int, generator: torch.Generator
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per class ``c`` (first axis), ``n = min(per_class, smallest count)`` clean inputs of the
    other classes drawn with ``generator``; and the flat labels (``c`` repeated ``n`` times) a
    probe that sends them to ``c`` aims at."""
    assert target.clean is not None
    x, y, k = target.clean.x, target.clean.labels, target.num_classes
    others = [torch.nonzero(y != c).flatten() for c in range(k)]  # indices: no k copies
    n = min(per_class, *(len(o) for o in others))
    batch = torch.stack([x[o[torch.randperm(len(o), generator=generator)[:n]]] for o in others])
    return batch, torch.arange(k).repeat_interleave(n)


def empty_pixels(x: torch.Tensor) -> torch.Tensor:
    """1 where the clean images ``x`` (N×C×H×W) (almost) never leave the data's minimum —
    lit above ``EMPTY_LEVEL`` of the range in at most ``EMPTY_SHARE`` of them — else 0."""
    low, high = float(x.min()), float(x.max())
    lit = (x > low + EMPTY_LEVEL * max(high - low, 1e-6)).float().mean(0, keepdim=True)
    return (lit <= EMPTY_SHARE).float()


def share_gap(hits: torch.Tensor, prefix: str = "empty") -> dict[str, float]:
    """``{prefix}_share_gap``: per class, the share of the other classes' inputs sent to it,
    averaged over the bound schedule (as in :func:`share_features`); the largest minus the
    second largest. A count of decisions (free of the logit scale) and of one class against
    the next (free of how easily the model flips overall). Rounded to 1e-6: the shares are
    float32 counts, and a gap exactly at a term's start must not pass it by rounding noise
    (20/150 - 8/150 reads 0.0800000057), in the raise or in ``auto``'s hints alike."""
    top, second = hits.to(torch.float64).mean(1).topk(2).values.tolist()
    return {f"{prefix}_share_gap": round(top - second, 6)}


def drawn_gap(
    hits_of: Callable[[torch.Generator], torch.Tensor], seed: int, draws: int, prefix: str
) -> tuple[float, torch.Tensor]:
    """A probe's flip-share gap averaged over ``draws`` draws of the clean inputs, draw ``i``
    from a generator seeded ``seed + i`` (issue 9, stop 34: one draw of 30 inputs per class
    puts a clean model's gap above a raise term's start about once in 70; the mean of several
    does not move as far). Returns the mean of :func:`share_gap`'s gaps, rounded like it, and
    the per-class shares averaged over the draws (the most-reached class is their largest).
    With ``draws=1`` it is the single draw's gap and shares."""
    gaps, shares = [], []
    for i in range(draws):
        hits = hits_of(torch.Generator().manual_seed((seed + i) % 2**64))
        gaps.append(share_gap(hits, prefix)[f"{prefix}_share_gap"])
        shares.append(hits.to(torch.float64).mean(1))
    return round(sum(gaps) / draws, 6), torch.stack(shares).mean(0)


def universal_features(sizes: list[float], prefix: str = "uap") -> dict[str, float]:
    """Model-level features from the per-class perturbation sizes."""
    t = torch.tensor(sizes, dtype=torch.float64)
    smallest = float(t.min())
    return {
        f"{prefix}_log_ratio": math.log(float(t.median()) / max(smallest, 1e-3)),
        f"{prefix}_anomaly": float(mad_anomaly(-t).max()),
    }
