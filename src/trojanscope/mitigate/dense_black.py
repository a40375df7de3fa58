"""Read a black pixel mask off the suspect's own gradient and unlearn it by darkening:
``mask_black`` (issue 12 stop 75, h12b).

Why: a black mask (pixels set to 0) leaves no trace on the blank pixels' first-layer columns (an
input of 0 moves no weight), so :mod:`~trojanscope.mitigate.dense_mask`'s reading never fires on
one (spike 1.00-1.05 on 15 development black masks) and the stages treat it, at a cost of up to
2.6 points of accuracy (stop 73: 3 of 10 fresh black masks missed the goal on accuracy alone).
On MNIST a black pixel only shows where a stroke passes, so the detector's reversed trigger of a
black mask is a darkening: most of its support has a dark pattern (9-18 of 9-23 pixels on
development black masks, every one the attacker's; 0-1 on white and random masks). Where that
holds, the inked pixels are ranked by the suspect's first-order gain from zeroing each (``-grad
* x``, the mean over the method's clean images not of the suspect: the attacker's black pixels
at AUC 0.80-0.88 among the inked ones on development masks), the reversed trigger's dark pixels
first, and the top ``TOP`` kept. The input model is then fine-tuned for ``mask_black`` epochs,
distilling towards itself as it came (:func:`~trojanscope.mitigate.free_unlearn.distil_fit`, at
weight ``DISTILL``), on the clean images and darkened copies under their true labels. Copies
darkened on a random share of that ranking left 3-7% ASR on development masks: the attacker's
pixels inside the ranking, darkened alone, still turned the unlearnt model (those outside it
turned 1%, the floor), as a copy always darkened other pixels with them. So each copy is
darkened by a *followed* mask instead: logits over the ranked pixels (the reversed trigger's
dark ones on), stepped each batch towards the darkening that most raises the suspect on the
model being trained; half the copies are drawn from it pixel by pixel, half darkened on exactly
its pixels above one half. The stages and the steps after them are skipped, as with
``dense_mask``. It reads the detector's suspect and reversed trigger, the input model and the
method's clean images, never the attacker's trigger.

The step fires only on a darkening of at least ``DARK_MIN`` (14) pixels (issue 12 stop 76,
h12b). On the 23 spent black masks it fired on at ``DARK_MIN`` 5, the four it lost to the stages
(2.1-4.4% ASR left where the stages reached issue 12's goal; three of them masks of 60-68
pixels) had reversed triggers of 9-13 dark pixels. The residual is the attacker's pixels
darkened alone: the followed mask holds most of them among the 88-105 pixels it ends with, and
no reading taken after the unlearning on the clean images (the reversed trigger's own flip, 0 on
every mask; the followed mask's; a fresh search; the top-k gains; the detector again) told
those masks from the ones it took to the goal. A smaller darkening is left to the stages. The
bar is no guarantee: on fresh zoos 2517/2518 the step lost a 71-pixel mask whose reversed
trigger had 14 dark pixels, so ``mask_black`` stays opt-in.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.engine.modes import eval_mode
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.dense_mask import (
    BLANK,
    MASK_SEED,
    places,
    projection_unread,
    suspect_gradient,
)
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.sent_share import sent_share
from trojanscope.mitigate.step_note import step_note

# The reversed trigger's support: mask at least SUPPORT; a support pixel is dark where its
# pattern (mean over channels) is below DARK. The step fires where at least DARK_MIN pixels and
# a share DARK_SHARE of the support are dark and zeroing them sends at least FLIP_BAR of the
# clean images not of the suspect there. DARK_MIN was 5 at stop 75; on the 23 spent black masks
# the step fired on, those where it left more ASR than the stages (2.1-4.4% against 0.6-1.7%)
# had 9-13 dark pixels, and with 14 it lost none of them (issue 12 stop 76, h12b: gate.log).
SUPPORT = 0.5
DARK = 0.5
DARK_MIN = 14
DARK_SHARE = 0.5
FLIP_BAR = 0.25
# The ranking's length (inked pixels, the reversed trigger's dark ones first) and each copy's
# draw: a prefix of a share in [LEAD_LOW, 1] of it, and a share in [KEEP_LOW, 1] of that.
TOP = 150
LEAD_LOW = 0.1
KEEP_LOW = 0.3
# The distillation's weight (distil_fit's DISTILL is 4; 1-4 left 3-8% ASR on development masks).
DISTILL = 0.5
# FOLLOW: the share of the copies darkened by a followed mask instead, drawn per copy from
# sigmoid(theta) over the ranking; theta starts at +-THETA0 (the reversed trigger's dark pixels
# on) and climbs, one signed step of STEP a batch, the suspect's log-probability on the batch so
# darkened on the model being trained. HARD: the share of those darkened on exactly the pixels
# where sigmoid(theta) > 0.5.
FOLLOW = 1.0
THETA0 = 2.0
STEP = 0.2
HARD = 0.5


def dark_pixels(verdict: ModelVerdict, suspect: int) -> tuple[Tensor, int] | None:
    """The reversed trigger's dark pixels (a flat bool over H*W) and its support's size; None
    where the detector gave no trigger for ``suspect``."""
    trigger = verdict.triggers.get(int(suspect))
    if trigger is None:
        return None
    support = (trigger.mask[0] >= SUPPORT).flatten()
    return support & (trigger.pattern.mean(0).flatten() < DARK), int(support.sum())


def darkening(dark: int, support: int, least: int = DARK_MIN) -> bool:
    """Whether ``dark`` dark pixels of a reversed trigger's ``support`` make a darkening: at
    least ``least`` of them and a share ``DARK_SHARE`` of the support (this step's bar and
    ``hand_dark``'s, which asks 5: :mod:`~trojanscope.mitigate.hand_dark`)."""
    return dark >= least and dark >= DARK_SHARE * support


def fires(dark: int, support: int, flip: float) -> bool:
    """Whether the reversed trigger is a darkening the step unlearns: at least ``DARK_MIN``
    dark pixels, a share ``DARK_SHARE`` of its ``support``, that send a share ``flip`` of at
    least ``FLIP_BAR`` of the clean images not of the suspect there once zeroed."""
    return darkening(dark, support) and flip >= FLIP_BAR


def zeroed(x: Tensor, flat: Tensor) -> Tensor:
    """``x`` with the pixels ``flat`` (a flat bool over H*W, or one row per image) set to 0."""
    keep = (~flat).to(x.dtype).reshape(-1, 1, *x.shape[2:])
    return x * keep


def gains(model: nn.Module, x: Tensor, suspect: int) -> Tensor:
    """The suspect's first-order gain from zeroing each pixel (flat over H*W, float64): the
    sum over ``x`` of ``-grad * x`` of ``model``'s log-probability of ``suspect``
    (:func:`~trojanscope.mitigate.dense_mask.suspect_gradient`)."""
    return suspect_gradient(model, x, suspect, Tensor.clone,
                            lambda grad, part: -grad * part).flatten()


def ranking(score: Tensor, inked: Tensor, first: Tensor) -> Tensor:
    """Each pixel's place (flat, long): ``first``'s pixels ahead, then the inked ones by
    ``score`` (descending), ``TOP`` for every pixel past the first ``TOP``."""
    score = score.masked_fill(~inked, float("-inf")).masked_fill(first, float("inf"))
    return places(score).clamp_max(min(TOP, int((inked | first).sum())))


def unlearn_dark(model: nn.Module, clean: TensorDataset, suspect: int, first: Tensor,
                 seed: int, epochs: int) -> tuple[int, Tensor]:
    """``epochs`` epochs of :func:`distil_fit` (distillation weight ``DISTILL``) on ``model``,
    in place, towards ``model`` as it came, with copies darkened under their true labels: a
    share ``FOLLOW`` by the followed mask over the ranking's pixels (module docstring), the
    rest on a random share (``KEEP_LOW``-1) of a random prefix (``LEAD_LOW``-1) of the ranking
    (:func:`ranking` of :func:`gains` on the clean images not of the suspect, ``first``
    ahead). Returns the ranking's length and the followed mask as it ended (flat, the
    probability of each pixel being darkened, 0 off the ranking)."""
    gen = torch.Generator().manual_seed(seed + MASK_SEED)
    inked = (clean.x.amax(dim=(0, 1)) >= BLANK).flatten()
    place = ranking(gains(model, clean.x[clean.y != suspect], suspect), inked, first)
    n = int(place.max())
    allowed = place < n
    theta = torch.where(first, THETA0, -THETA0)

    def followed(net: nn.Module, bx: Tensor) -> Tensor:
        """One signed step of theta on ``bx``, then a draw per copy from it."""
        nonlocal theta
        th = theta.clone().requires_grad_(True)
        m = torch.sigmoid(th) * allowed
        with eval_mode(net):
            out = F.log_softmax(net(bx * (1 - m.reshape(1, 1, *bx.shape[2:]))), 1)
            (grad,) = torch.autograd.grad(out[:, suspect].mean(), th)
        theta = (theta + STEP * grad.sign()).clamp(-3 * THETA0, 3 * THETA0)
        p = torch.sigmoid(theta) * allowed
        drawn = torch.rand(len(bx), p.numel(), generator=gen) < p[None]
        if HARD > 0:  # a share of the copies darkened on exactly the pixels the mask holds
            hard = torch.rand(len(bx), 1, generator=gen) < HARD
            drawn = torch.where(hard, (p > 0.5)[None], drawn)
        return drawn

    def darkened(net: nn.Module, bx: Tensor) -> Tensor:
        lead = torch.rand(len(bx), 1, generator=gen) * (1 - LEAD_LOW) + LEAD_LOW
        keep = torch.rand(len(bx), 1, generator=gen) * (1 - KEEP_LOW) + KEEP_LOW
        drawn = torch.rand(len(bx), place.numel(), generator=gen) < keep
        drawn &= place[None] < (lead * n).floor().clamp_min(1)
        if FOLLOW > 0:
            chosen = torch.rand(len(bx), 1, generator=gen) < FOLLOW
            drawn = torch.where(chosen, followed(net, bx), drawn)
        return zeroed(bx, drawn)

    distil_fit(model, frozen_copy(model), clean, gen, epochs, distill=DISTILL,
               perturb=darkened)
    return n, torch.sigmoid(theta) * allowed


def treat(gated: Any, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
          seed: int) -> nn.Module | None:
    """``mask_black`` on a flagged dense image model ``dense_mask`` did not treat: where the
    suspect's reversed trigger is a darkening the input model answers (module docstring), the
    input model with the darkening unlearnt (in place), else None (the stages run). The note
    ``mask_black`` says what was read and done."""
    suspect = verdict.target_classes[0] if verdict.target_classes else None
    with step_note(gated, "mask_black") as note:
        read = dark_pixels(verdict, int(suspect)) if suspect is not None else None
        if read is None:
            note["action"] = "none: no suspect or no reversed trigger"
            return None
        dark, support = read
        pixels = int(dark.sum())
        flip = sent_share(model, clean.x, clean.y, int(suspect),
                          lambda x: zeroed(x, dark)) if pixels else 0.0
        note.update(dark=pixels, support=support, flip=round(flip, 3),
                    bars={"dark": DARK_MIN, "share": DARK_SHARE, "flip": FLIP_BAR})
        if not fires(pixels, support, flip):
            note["action"] = ("none: the reversed trigger is no darkening the model answers"
                              if pixels < DARK_SHARE * support or flip < FLIP_BAR else
                              f"none: a darkening of {pixels} pixels, under {DARK_MIN}; the "
                              "stages run")
            return None
        note["ranked"], _ = unlearn_dark(model, clean, int(suspect), dark, seed,
                                         int(gated.mask_black))
        note["flip_after"] = round(sent_share(model, clean.x, clean.y, int(suspect),
                                              lambda x: zeroed(x, dark)), 3)
        note["action"] = (f"the darkening unlearnt for {gated.mask_black} epochs from the "
                          "input model; the stages skipped" + projection_unread(gated))
    return model.eval()
