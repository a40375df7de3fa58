"""Was there a backdoor for a second stage to work on? A probe on held-back clean images.

`gated`'s second stage (unlearning the detector's reversed trigger and a striped universal
perturbation) removes what FT-SAM leaves, but on a flagged *clean* model it only costs accuracy
(5.8 points on a clean MLP: docs/benchmarks.md, "Recovered-trigger unlearning"). Before it
starts, this probe compares the model the first stage left with the original on the clean
images the stage holds back: how much of its success the detector's reversed trigger kept
through the first stage (a real trigger's shortcut is what fine-tuning attacks; a clean model's
adversarial patch survives it), and how many images a striped universal perturbation (one row
repeated down the image, at most ``eps`` per pixel, fitted on the *other* clean images) still
sends to the suspect class (SIG's shape). Nothing here reads the attacker's trigger or target.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import predict
from trojanscope.engine.modes import eval_mode
from trojanscope.mitigate.trigger_prune import proxy_asr

# A reversed trigger that sent fewer of the held-back images than this before the first stage is
# no evidence either way: what it "kept" would be one or two images' noise (every trigger the
# development and fresh zoos recovered sent 0.64-0.91 of them).
MIN_BEFORE = 0.2
# The striped perturbation is fitted on at most this many images (one batch, 30 steps): enough
# for one row of pixels, and bounded on a large clean set.
MAX_FIT = 512


def striped_perturbation(model: nn.Module, x: Tensor, target: int, eps: float,
                         steps: int = 30, stripes: bool = True) -> Tensor:
    """One perturbation (at most ``eps`` per pixel; with ``stripes`` one row repeated down the
    image) that pushes the images ``x`` towards class ``target``: ``steps`` signed-gradient
    steps on the whole batch, from zero (deterministic)."""
    shape = list(x.shape[1:])
    if stripes and len(shape) == 3:
        shape[-2] = 1
    delta = torch.zeros(*shape, requires_grad=True)
    labels = torch.full((len(x),), target, dtype=torch.long)
    with eval_mode(model):  # autograd.grad below asks for the perturbation's gradient only
        for _ in range(steps):
            loss = F.cross_entropy(model((x + delta).clamp(0, 1)), labels)
            (grad,) = torch.autograd.grad(loss, [delta])
            with torch.no_grad():
                delta -= eps / 8 * grad.sign()
                delta.clamp_(-eps, eps)
    return delta.detach()


def perturbation_asr(model: nn.Module, fit: TensorDataset, val: TensorDataset, target: int,
                     eps: float, steps: int = 30, stripes: bool = True) -> float:
    """Share of ``val``'s images outside ``target`` that a striped perturbation fitted on
    ``fit``'s images outside ``target`` sends to ``target``."""
    keep_fit, keep_val = fit.y != target, val.y != target
    if not bool(keep_fit.any()) or not bool(keep_val.any()) or eps <= 0:
        return 0.0
    delta = striped_perturbation(model, fit.x[keep_fit][:MAX_FIT], target, eps, steps, stripes)
    with torch.no_grad():
        pred = predict(model, (val.x[keep_val] + delta).clamp(0, 1)).argmax(1)
    return float((pred == target).float().mean())


def residual(model: nn.Module, original: nn.Module, fit: TensorDataset, val: TensorDataset,
             triggers: list[ReversedTrigger], suspect: int, eps: float,
             steps: int = 30) -> dict[str, float]:
    """What the first stage left of a shortcut to ``suspect``, on the held-back ``val``:
    ``trigger_before`` / ``trigger_after``, the best reversed trigger's success on ``original``
    and on ``model``; ``kept``, their ratio (1 with no trigger, or one that sent fewer than
    :data:`MIN_BEFORE` of the images before: no evidence); ``perturbation``,
    a striped perturbation's success on ``model`` (fitted on ``fit``).

    A clean model's reversed "trigger" is an adversarial patch, which fine-tuning hardly
    touches (on our development zoos it kept 60-74% of its success); a real trigger's shortcut
    is what the first stage attacks, so it keeps much less (0-29%) even where the first stage
    did not remove it all. SIG, whose reversed trigger is no better than a clean model's,
    shows in the striped perturbation instead."""
    before = max((proxy_asr(original, t, val) for t in triggers), default=0.0)
    after = max((proxy_asr(model, t, val) for t in triggers), default=0.0)
    pert = perturbation_asr(model, fit, val, suspect, eps, steps)
    return {"trigger_before": round(before, 3), "trigger_after": round(after, 3),
            "kept": round(after / before, 3) if before >= MIN_BEFORE else 1.0,
            "perturbation": round(pert, 3)}


def backdoor_left(probe: dict[str, float], kept: float, perturbation: float) -> bool:
    """Whether :func:`residual`'s ``probe`` says there is a backdoor for a second stage to work
    on: the reversed trigger kept less than ``kept`` of its success through the first stage,
    or the striped perturbation still sends at least ``perturbation`` of the images."""
    return probe["kept"] < kept or probe["perturbation"] >= perturbation
