"""Greedy universal pixel probe: a few pixels that send every input to one class (issue 9,
stop 33).

A patch trigger drawn inside the digits' area (an X of 8-12 pixels anywhere in the image)
touches no empty pixel, so the empty-pixel probe (``universal.py``, ``pattern="empty"``) cannot
see it, and the free perturbation reaches every class about equally. A backdoored model was
trained so that those few pixels, set to the data's maximum, send any input to the target; a
clean model needs whole strokes. Per class, this probe sets one pixel at a time to the maximum
in every other-class clean input — the pixel whose gradient most lowers the class's loss,
chosen for all classes at once — and records after each step the share of the inputs sent to
the class: a count of decisions, free of the logit scale, as the empty-pixel probe's. Its
model-level feature is ``pixel_share_gap`` (``universal.share_gap``: the largest class's share
over the steps minus the second's). Five pixels: a trigger fires with part of its pattern, a
clean model's natural confusions (strokes that make a 2 or an 8) need more; over 5 steps the
gap of the 39 clean development models is at most 0.073 and of every in-digit patch model at
least 0.127 (``benchmarks/empty_gap_study.py``, docs/benchmarks.md, issue 9, stop 33).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.universal import other_class_batch, share_gap

PIXEL_STEPS = 5  # pixels set per class (an X patch of up to 6x6 is 8-12 of them)
# A pixel gap above this is evidence of its own (the ``auto:raise:pixels`` term's start: the
# clean development models' largest five-draw average plus 0.02, issue 9 stop 34b; a test keeps
# the two equal where the term ships): the probe's class is then a suspect too.
PIXEL_GAP_HINT = 0.14


def pixel_hits(
    target: InspectionTarget,
    generator: torch.Generator,
    steps: int = PIXEL_STEPS,
    per_class: int = 30,
) -> torch.Tensor:
    """Per class (rows) and step (columns), the share of the other classes' clean inputs sent
    to the class once ``step + 1`` pixels chosen for it are set to the data's maximum."""
    assert target.clean is not None
    high = float(target.clean.x.max())
    batch, labels = other_class_batch(target, per_class, generator)
    k, n = batch.shape[:2]
    mask = torch.zeros(k, 1, *batch.shape[2:])
    hits = torch.zeros(k, steps)

    def record(logits: torch.Tensor, s: int) -> None:
        hits[:, s] = (logits.argmax(1) == labels).float().view(k, n).mean(1)

    # One forward pass per step: the pass that takes step s's gradient sees the inputs with
    # the s pixels chosen so far, so it also counts step s - 1's hits (stop 58: a second
    # no-gradient pass over the same inputs counted them before, 2 * steps passes per draw).
    for s in range(steps):
        chosen = mask.clone().requires_grad_(True)
        logits = target.model((batch + chosen * (high - batch)).flatten(0, 1))
        if s:
            record(logits.detach(), s - 1)
        (grad,) = torch.autograd.grad(F.cross_entropy(logits, labels, reduction="sum"), chosen)
        with torch.no_grad():
            grad = grad.flatten(1).masked_fill(mask.flatten(1) > 0, float("inf"))
            mask.view(k, -1).scatter_(1, grad.argmin(1, keepdim=True), 1.0)
    with torch.no_grad():  # the last step's pixels: no gradient needed
        if steps:
            record(target.model((batch + mask * (high - batch)).flatten(0, 1)), steps - 1)
    return hits


def pixel_features(hits: torch.Tensor) -> dict[str, float]:
    """``pixel_share_gap`` (largest class's share over the steps minus the second's) and
    ``pixel_top_class`` (that class) from :func:`pixel_hits`."""
    return {**share_gap(hits, "pixel"), "pixel_top_class": float(hits.mean(1).argmax())}
