"""Uniform frame probe: the image's outer ring lit at one value for every input (issue 9,
stop 37).

A clean MLP's first-layer weights on the empty pixels were never trained (those inputs are
always at the minimum), so the empty-pixel probe (``universal.py``, ``pattern="empty"``), which
chooses a sign per pixel, finds a route to some class through those random weights: a clean
MLP's empty-pixel gap is near 0.2 on many draws, as high as a frame-trigger MLP's (issue 9,
stops 34-36). A frame trigger is one value along the border. Lit uniformly, a ring of random
weights sums to little, while weights trained towards a target add up. Per class, this probe
sets the outer ring (``FRAME_WIDTHS`` pixels wide) of every other-class clean input to a value
growing over ``FRAME_STEPS`` steps up to the data's maximum (pixels already brighter are kept)
and records the share sent to the class at each step; its model-level feature is the largest
``share_gap`` over the widths (``frame_share_gap``) and that width's most-reached class
(``frame_top_class``). No gradient: one forward pass per step and width.
"""

from __future__ import annotations

import torch

from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.universal import other_class_batch, share_gap

FRAME_WIDTHS = (1, 2)  # ring widths read (pixels from the image's edge)
FRAME_STEPS = 20  # values of the ring, (step + 1) / FRAME_STEPS of the range above the minimum
# A frame gap above this is evidence of its own (the stop-37 candidate's ``auto:raise:frame``
# start: the clean development MLPs' largest single draw plus 0.02; docs/benchmarks.md, issue 9,
# stop 37): the probe's class is then a suspect too.
FRAME_GAP_HINT = 0.43
# The same for a model with a convolution: the shipped term's ``start`` since stop 40 (the
# largest gap of 38 clean development CNNs, 0.268, plus 0.05). Review of stop 40: with the MLP
# hint alone, a CNN the term raised at 0.32-0.43 had its frame class named the suspect with no
# trigger recovered for it (a test keeps both hints equal to the shipped starts).
FRAME_GAP_HINT_CONV = 0.32


def ring(shape: tuple[int, ...], width: int) -> torch.Tensor:
    """1 on the outer ``width`` pixels of an image of ``shape`` (…×H×W), else 0."""
    mask = torch.zeros(shape)
    mask[..., :width, :] = 1.0
    mask[..., -width:, :] = 1.0
    mask[..., :, :width] = 1.0
    mask[..., :, -width:] = 1.0
    return mask


def frame_hits(
    target: InspectionTarget,
    generator: torch.Generator,
    width: int,
    steps: int = FRAME_STEPS,
    per_class: int = 30,
) -> torch.Tensor:
    """Per class (rows) and step (columns), the share of the other classes' clean inputs sent
    to the class when their outer ring of ``width`` pixels is lit at step ``s``'s value."""
    assert target.clean is not None
    x = target.clean.x
    low, high = float(x.min()), float(x.max())
    batch, labels = other_class_batch(target, per_class, generator)
    k, n = batch.shape[:2]
    mask = ring(tuple(batch.shape[2:]), width)
    hits = torch.zeros(k, steps)
    with torch.no_grad():
        for s in range(steps):
            value = low + (high - low) * (s + 1) / steps
            lit = torch.maximum(batch, mask * value + (1 - mask) * low)
            logits = target.model(lit.flatten(0, 1))
            hits[:, s] = (logits.argmax(1) == labels).float().view(k, n).mean(1)
    return hits


def frame_features(target: InspectionTarget, generator: torch.Generator) -> dict[str, float]:
    """``frame_share_gap`` (the largest flip-share gap over ``FRAME_WIDTHS``) and
    ``frame_top_class`` (that width's most-reached class). Every width reads the same draw of
    clean inputs (the generator's state is copied), so the widths differ only by the ring.
    A width whose ring covers the whole image (``2 * width >= min(H, W)``) is skipped: it
    would light every pixel, not a frame; with none left the gap is 0 (no evidence)."""
    assert target.clean is not None
    side = min(target.clean.x.shape[-2:])
    widths = [w for w in FRAME_WIDTHS if 2 * w < side]
    if not widths:
        return {"frame_share_gap": 0.0, "frame_top_class": 0.0}
    state = generator.get_state()
    best: tuple[float, int] = (-1.0, 0)
    for width in widths:
        generator.set_state(state)
        hits = frame_hits(target, generator, width)
        gap = share_gap(hits, "frame")["frame_share_gap"]
        if gap > best[0]:
            best = (gap, int(hits.mean(1).argmax()))
    return {"frame_share_gap": best[0], "frame_top_class": float(best[1])}
