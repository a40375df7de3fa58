"""`gated`'s ``residue``: a fresh trigger search on the purified model, no larger than the
trigger the detector first recovered, read on the held-back images (issue 12, stop 46).

After the second stage, five backdoored development MLPs were left at 2.1-4.4% ASR while the
detector's first reversed trigger read 0.000-0.022 on them, as on the models at the goal: that
trigger cannot say where one more round is needed. The stage's own fresh search (unbounded in
size) finds an adversarial patch on every MLP (0.6-0.9 of the held-back images, with masks
4-30 times the first trigger's), so it cannot either. What is left of a backdoor should still
be reachable by a trigger *no larger* than the one the detector found on the original. So the
search here (:func:`bounded_search`) gets the first trigger's mask L1 as its budget, optimises
mask and pattern on the stage's fit images towards the suspect class (weights frozen), and
counts only by its success on the held-back quarter. Neither reads the attacker's trigger or
poison indices.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.trigger_prune import proxy_asr
from trojanscope.triggers.stamp import stamp

# The bounded search's full-batch Adam steps.
STEPS = 150


def bounded_search(model: nn.Module, fit: TensorDataset, suspect: int, budget: float,
                   gen: torch.Generator, steps: int = STEPS,
                   start: ReversedTrigger | None = None) -> ReversedTrigger:
    """A trigger towards ``suspect`` whose mask's L1 is at most ``budget``: mask and pattern
    (sigmoids of free logits, drawn from ``gen``, or ``start``'s where given) optimised by Adam
    for ``steps`` full-batch steps on ``fit``'s images outside the class, the mask scaled down
    to the budget at every step; the model's weights are frozen and left as they were."""
    x = fit.x[fit.y != suspect]
    shape = tuple(fit.x.shape[1:])
    if start is not None:  # from the detector's trigger: the backdoor's remains near it
        mask_logit = torch.logit(start.mask.detach().clamp(0.01, 0.99)).clone()
        pattern_logit = torch.logit(start.pattern.detach().clamp(0.01, 0.99)).clone()
    else:
        mask_logit = torch.randn((1, *shape[1:]), generator=gen) - 3.0
        pattern_logit = torch.randn(shape, generator=gen)
    mask_logit.requires_grad_(True)
    pattern_logit.requires_grad_(True)
    opt = torch.optim.Adam([mask_logit, pattern_logit], lr=0.1)
    target = torch.full((len(x),), suspect, dtype=torch.long)
    was = [q.requires_grad for q in model.parameters()]
    training = model.training
    model.eval()
    for q in model.parameters():
        q.requires_grad_(False)
    try:
        for _ in range(steps):
            mask = limited(torch.sigmoid(mask_logit), budget)
            out = model(stamp(x, mask, torch.sigmoid(pattern_logit)))
            loss = nn.functional.cross_entropy(out, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        for q, g in zip(model.parameters(), was, strict=True):
            q.requires_grad_(g)
        model.train(training)
    with torch.no_grad():
        return ReversedTrigger(suspect, limited(torch.sigmoid(mask_logit), budget),
                               torch.sigmoid(pattern_logit))


def limited(mask: Tensor, budget: float) -> Tensor:
    """``mask`` scaled down so that its L1 is at most ``budget`` (unchanged where it is)."""
    total = mask.sum()
    return mask * torch.clamp(budget / total.clamp_min(1e-12), max=1.0)


def residue_reading(model: nn.Module, first: ReversedTrigger, fit: TensorDataset,
                    val: TensorDataset, gen: torch.Generator) -> tuple[dict[str, Any],
                                                                     ReversedTrigger]:
    """The bounded search's reading on ``model`` for ``first``'s class, its budget ``first``'s
    mask L1: the found trigger's success on ``val`` (``asr``), with the trigger."""
    budget = float(first.mask.sum())
    fresh = bounded_search(model, fit, first.target, budget, gen)
    return {"budget": round(budget, 1), "asr": round(proxy_asr(model, fresh, val), 3)}, fresh


def residue_left(reading: dict[str, Any], bar: float) -> bool:
    """Whether ``reading`` (:func:`residue_reading`) says a backdoor is left: the bounded
    trigger sends at least ``bar`` of the held-back images to the class. ``bar`` <= 0: never
    (the option off)."""
    return bar > 0 and reading["asr"] >= bar
