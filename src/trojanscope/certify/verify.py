"""Does an additive trigger inside a region flip an input? Proven, refuted or timed out.

The query for input ``x`` with prediction ``p``: is there a ``delta`` with ``|delta| <= eps``
on the region's pixels (zero elsewhere, ``x + delta`` kept in [0, 1]) such that the model no
longer predicts ``p``? Answered by branch and bound over the input box:

1. a projected-gradient search for a counterexample (found: *refuted*, with the trigger);
2. interval bound propagation (:mod:`trojanscope.certify.bounds`) on the box: all margins
   provably positive means *proven*; otherwise the box is split in half along its widest
   region pixel and both halves are checked (their centres are tried as counterexamples);
3. out of time or boxes: *timeout* (no claim either way).

Sound: *proven* relies only on the bounds; *refuted* returns a trigger whose flip was checked
with a plain forward pass. Complete in the limit (boxes shrink to points), so the time limit
decides what is left open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from trojanscope.certify.bounds import layers_of, margin_lower_bounds

PROVEN, REFUTED, TIMEOUT = "proven", "refuted", "timeout"


@dataclass(frozen=True)
class Verdict:
    """The answer for one input; ``trigger`` (the additive delta) only when refuted."""

    status: str
    label: int
    trigger: Tensor | None = None
    flipped_to: int | None = None
    boxes: int = 0
    seconds: float = 0.0


def region_mask(shape: tuple[int, ...], top: int, left: int, height: int, width: int) -> Tensor:
    """Boolean (C, H, W) mask of a rectangular region on every channel."""
    mask = torch.zeros(shape, dtype=torch.bool)
    mask[..., top : top + height, left : left + width] = True
    return mask


def _flip(model: nn.Module, x: Tensor, label: int) -> int | None:
    with torch.no_grad():
        pred = int(model(x[None]).argmax(1))
    return None if pred == label else pred


def _pgd(
    model: nn.Module, x: Tensor, lo: Tensor, hi: Tensor, label: int, steps: int, seed: int
) -> Tensor | None:
    """A point of the box [lo, hi] not classified as ``label``, if gradient steps find one."""
    gen = torch.Generator().manual_seed(seed)
    z = lo + (hi - lo) * torch.rand(x.shape, generator=gen)
    step = (hi - lo).max() / 4
    for _ in range(steps):
        z = z.detach().requires_grad_(True)
        logits = model(z[None])[0]
        other = logits.clone()
        other[label] = -float("inf")
        loss = logits[label] - other.max()
        if float(loss.detach()) < 0:
            return z.detach()
        (grad,) = torch.autograd.grad(loss, z)
        z = torch.clamp(z - step * grad.sign(), lo, hi)
    return z.detach() if _flip(model, z.detach(), label) is not None else None


def verify_input(
    model: nn.Module,
    x: Tensor,
    region: Tensor,
    eps: float,
    *,
    time_limit: float = 5.0,
    max_boxes: int = 20000,
    seed: int = 0,
) -> Verdict:
    """Answer the query for one input ``x`` (C, H, W) and boolean ``region`` of the same shape."""
    start = time.perf_counter()
    model = model.eval()
    layers = layers_of(model)
    with torch.no_grad():
        label = int(model(x[None]).argmax(1))
    lo = torch.where(region, (x - eps).clamp(0, 1), x)
    hi = torch.where(region, (x + eps).clamp(0, 1), x)

    def refuted(point: Tensor, boxes: int) -> Verdict:
        return Verdict(REFUTED, label, point - x, _flip(model, point, label), boxes,
                       time.perf_counter() - start)

    found = _pgd(model, x, lo, hi, label, steps=30, seed=seed)
    if found is not None:
        return refuted(found, 0)
    queue, boxes = [(lo, hi)], 0
    while queue:
        if time.perf_counter() - start > time_limit or boxes >= max_boxes:
            return Verdict(TIMEOUT, label, boxes=boxes, seconds=time.perf_counter() - start)
        batch, queue = queue[:64], queue[64:]
        blo = torch.stack([b[0] for b in batch])
        bhi = torch.stack([b[1] for b in batch])
        margins = margin_lower_bounds(layers, blo, bhi, label)
        boxes += len(batch)
        for (b_lo, b_hi), margin in zip(batch, margins, strict=True):
            if bool((margin > 0).all()):
                continue
            centre = (b_lo + b_hi) / 2
            if _flip(model, centre, label) is not None:
                return refuted(centre, boxes)
            width = torch.where(region, b_hi - b_lo, torch.zeros_like(b_lo)).flatten()
            dim = int(width.argmax())
            split = float(centre.flatten()[dim])
            left_hi, right_lo = b_hi.clone().flatten(), b_lo.clone().flatten()
            left_hi[dim], right_lo[dim] = split, split
            queue.append((b_lo, left_hi.view_as(b_hi)))
            queue.append((right_lo.view_as(b_lo), b_hi))
    return Verdict(PROVEN, label, boxes=boxes, seconds=time.perf_counter() - start)
