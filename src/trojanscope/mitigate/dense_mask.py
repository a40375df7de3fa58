"""Read a dense pixel mask off an MLP's first layer and unlearn it in place of the stages:
``dense_mask`` (aimed at the dense sparse-mask family, issue 12 stop 72).

Why (h12): the worst family of the edge recipe's fresh MLP zoos is the dense sparse mask (60-160
pixels set to a fixed value; 0 of 4 at the goal on 2491/2492). FT-SAM leaves such a mask whole,
the detector's reversed trigger covers a subset of it, and the second stage unlearns that subset
while the rest still turns 2-30% of the attacker's images (stop 71), or the probe hands the model
back untreated. The first layer remembers the whole mask: on every poisoned image each of the
mask's white pixels is 1, so their weight columns all received the same poison gradient and
share one direction. On the blank pixels (none of the method's clean images inks them: the
border of a digit image) a column is otherwise its initial weights, so that direction is the
blank columns' first singular vector (centred), standing out of their spectrum (``spike``: the
first singular value over the second, 2.0-3.1 on 24 development white or random masks, 1.0-1.1
on clean, black-mask and WaNet MLPs). The pixels whose column's cosine with it lies ``Z`` robust
deviations above the blank pixels' are taken and the direction re-estimated from them
(:func:`completed_mask`; 76-88% of a development mask's white pixels). Where the completed mask
has at least ``MIN_PIXELS`` pixels, the spike lies in [``SPIKE``, ``SPIKE_MOST``] (a BadNets
patch, one strong trigger on a few blank pixels, reads 4.1-5.4) and the input model sends at
least ``FLIP_BAR`` of the method's clean images not of the detector's suspect there once the
mask is stamped white, the stages are skipped: the input model is fine-tuned for ``dense_mask``
epochs on the clean images and copies stamped white on a random share (``KEEP_LOW``-1) of the
mask and of the detector's bright reversed-trigger pixels, under their true labels, distilling
towards itself as it came on the clean images and their neighbours
(:func:`~trojanscope.mitigate.free_unlearn.distil_fit`). It reads the detector's suspect and
trigger, the input model and the method's clean images, never the attacker's trigger.

``mask_ranked`` (issue 12 stop 73): on a random mask (each pixel white or black) the completed
mask holds most of the white half and as many or more inked pixels that are not the attacker's
(68-132 on the four development masks stop 72 missed), so a random share of it is mostly those,
the unlearnt model answers them, and the attacker's white half alone still turns 6-12% of the
images. With it, each copy is stamped on a random share (``KEEP_LOW``-1) of a prefix (a share
``LEAD_LOW``-1) of the mask's pixels ranked by how much the input model's suspect answers them
(:func:`ranked`: the suspect's log-probability gradient on the clean images stamped with the
whole mask, mean over those not of the suspect; inside the mask it ranks the attacker's pixels
first at AUC 0.71-0.98 on the eight development random masks). Where the suspect's answer to
the whole stamp is saturated (a probability of 1 in float32 on every image) the gradient
vanishes and the ranking is the pixels' order: not seen on the 18 development masks read.

``mask_dark`` (issue 12 stop 74, h12s): a small random mask (60-90 pixels) kept 2.8-3.9% ASR
after the ranked unlearning, and neither cutting the stamp to the suspect's top pixels (the
extras are not what keeps it: that doubled the ASR) nor more epochs moved it. What the copies
never show is the mask's black half, which no reading sees. With ``mask_dark`` D, a share
``DARK_COPIES`` of the copies also has a random share (drawn in [0, D]) of the pixels outside
its stamp set to 0, under its true label, so white-on-dark is unlearnt wherever the black half
falls; the other copies are stamped only (every copy darkened left three white masks of 99-142
pixels 0.5-1.5 points higher on development zoos).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.engine.modes import eval_mode
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.sent_share import sent_share
from trojanscope.mitigate.step_note import step_note
from trojanscope.mitigate.stripe_projection import first_linear

# The generator's offset from the method's seed (its own stream: the stamps, order, neighbours).
MASK_SEED = 7207
# A pixel is blank where none of the method's clean images inks it above BLANK.
BLANK = 0.05
# The blank columns' first singular value over their second: in [SPIKE, SPIKE_MOST] to fire.
SPIKE = 1.5
SPIKE_MOST = 3.5
# A pixel is taken where its column's cosine with the direction is at least Z robust standard
# deviations (1.4826 median absolute deviations) of the blank pixels' cosines; ITERS
# re-estimates of the direction from the pixels taken.
Z = 4.0
ITERS = 2
# The step fires where the completed mask has at least MIN_PIXELS pixels and, stamped white,
# sends at least FLIP_BAR of the clean images not of the suspect there on the input model.
MIN_PIXELS = 30
FLIP_BAR = 0.5
# The reversed trigger's pixels joined to the mask: mask times pattern at least BRIGHT.
BRIGHT = 0.5
# Each stamped copy keeps a share drawn in [KEEP_LOW, 1] of the stamp's pixels.
KEEP_LOW = 0.3
RANK_BATCH = 256  # images a gradient in :func:`ranked` (bounded memory; the ranking is the same)
# mask_ranked: each copy's stamp is drawn from the top share, in [LEAD_LOW, 1], of the ranking.
LEAD_LOW = 0.05
# mask_dark: the share of the copies darkened (the others stamped only; all of them cost white
# masks 0.5-1.5 points on development zoos, issue 12 stop 74).
DARK_COPIES = 0.5


def columns(layer: nn.Linear, shape: tuple[int, ...]) -> Tensor:
    """The first layer's weight as one row per pixel (pixels x units*channels)."""
    c, h, w = shape
    return layer.weight.detach().reshape(-1, c, h, w).permute(2, 3, 0, 1).reshape(h * w, -1)


def completed_mask(model: nn.Module, x: Tensor) -> tuple[Tensor, float] | None:
    """The mask (1 x H x W, 0 or 1) of the pixels whose first-layer column of ``model`` points
    along the blank pixels' shared direction (module docstring), and the spike; None where
    ``model``'s first weights are not a dense layer or fewer than three pixels are blank."""
    layer = first_linear(model, x[:2])
    blank = (x.amax(dim=(0, 1)) < BLANK).flatten()
    if layer is None or int(blank.sum()) < 3:
        return None
    cols = columns(layer, tuple(x.shape[1:]))
    cols = cols - cols[blank].mean(0, keepdim=True)
    values, vectors = torch.linalg.svd(cols[blank], full_matrices=False)[1:]
    spike = float(values[0] / values[1].clamp_min(1e-12))
    unit = cols / cols.norm(dim=1, keepdim=True).clamp_min(1e-12)
    cosine = unit @ vectors[0]
    if float(cosine.topk(8).values.sum()) < float((-cosine).topk(8).values.sum()):
        cosine = -cosine  # a singular vector's sign is arbitrary: the mask is the heavy tail
    taken = torch.zeros_like(blank)
    for _ in range(ITERS + 1):
        spread = 1.4826 * (cosine[blank] - cosine[blank].median()).abs().median()
        taken = cosine >= Z * float(spread)
        if int(taken.sum()) < 2:
            break
        direction = cols[taken].mean(0)
        cosine = unit @ (direction / direction.norm().clamp_min(1e-12))
    return taken.float().reshape(1, *x.shape[2:]), spike


def white(mask: Tensor, x: Tensor) -> Tensor:
    """``x`` with ``mask``'s pixels (1 x H x W, or one per image) set to 1 in every channel."""
    return x * (1 - mask) + mask


def suspect_gradient(model: nn.Module, x: Tensor, suspect: int,
                     prepare: Callable[[Tensor], Tensor],
                     term: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """The sum over ``x`` of ``term(grad, image)`` over images and channels (H x W, float64),
    ``grad`` the gradient of ``model``'s log-probability of ``suspect`` at ``image =
    prepare(batch)``, ``RANK_BATCH`` images a gradient (stop 73, hfix: one batch of every image
    was a memory spike on a large --data); :func:`ranked`'s and ``mask_black``'s reading."""
    total = torch.zeros(x.shape[2:], dtype=torch.float64)
    with eval_mode(model):  # a reading: no BatchNorm statistics moved, no dropout drawn
        for start in range(0, len(x), RANK_BATCH):
            part = prepare(x[start:start + RANK_BATCH]).requires_grad_(True)
            (grad,) = torch.autograd.grad(F.log_softmax(model(part), 1)[:, suspect].sum(), part)
            total += term(grad, part.detach()).sum((0, 1), dtype=torch.float64)
    return total


def places(score: Tensor) -> Tensor:
    """Each entry's place in ``score`` sorted descending (flat, long: 0 the largest)."""
    place = torch.empty(score.numel(), dtype=torch.long)
    place[score.argsort(descending=True)] = torch.arange(score.numel())
    return place


def ranked(model: nn.Module, clean: TensorDataset, mask: Tensor, suspect: int) -> Tensor:
    """``mask``'s pixels' places (1 x H x W: 0 the one ``model``'s ``suspect`` answers most,
    ``mask.sum()`` outside the mask), by the mean gradient of the suspect's log-probability on
    the clean images not of the suspect stamped white on the whole mask
    (:func:`suspect_gradient`)."""
    others = clean.x[clean.y != suspect]
    total = suspect_gradient(model, others, suspect, lambda x: white(mask, x),
                             lambda grad, _x: grad)
    mean = total / max(1, len(others) * others.shape[1])
    score = mean.flatten().masked_fill(mask.flatten() <= 0, float("-inf"))
    return places(score).float().clamp_max(float(mask.sum())).reshape(mask.shape)


def unlearn_mask(model: nn.Module, clean: TensorDataset, mask: Tensor, seed: int,
                 epochs: int, place: Tensor | None = None, dark: float = 0.0) -> None:
    """``epochs`` epochs of :func:`distil_fit` on ``model``, in place, towards ``model`` as it
    came, with copies stamped white on a random share (``KEEP_LOW``-1) of ``mask``'s pixels,
    under their true labels; with ``place`` (:func:`ranked`), of the top share
    (``LEAD_LOW``-1) of them by it; with ``dark`` > 0, on a share ``DARK_COPIES`` of the
    copies a random share (0-``dark``) of the other pixels set to 0 (``mask_dark``)."""
    gen = torch.Generator().manual_seed(seed + MASK_SEED)
    pixels = float(mask.sum())

    def stamped(_net: nn.Module, bx: Tensor) -> Tensor:
        keep = torch.rand(len(bx), 1, 1, 1, generator=gen) * (1 - KEEP_LOW) + KEEP_LOW
        drawn = torch.rand(len(bx), *mask.shape, generator=gen) < keep
        if place is not None:
            lead = torch.rand(len(bx), 1, 1, 1, generator=gen) * (1 - LEAD_LOW) + LEAD_LOW
            drawn &= place < (lead * pixels).floor().clamp_min(1)
        stamp = mask * drawn.float()
        if dark > 0:  # drawn only then, so dark=0 keeps the stream (and model) as before
            share = torch.rand(len(bx), 1, 1, 1, generator=gen) * dark
            if DARK_COPIES < 1:
                share *= (torch.rand(len(bx), 1, 1, 1, generator=gen) < DARK_COPIES).float()
            off = (torch.rand(len(bx), *mask.shape, generator=gen) < share).float()
            bx = bx * (1 - off * (1 - stamp))
        return white(stamp, bx)

    distil_fit(model, frozen_copy(model), clean, gen, epochs, perturb=stamped)


def projection_unread(gated: Any) -> str:
    """The projection options the user gave (``asked_``), said skipped where the mask replaces
    the stages: the projection would run after it and never does (stop 74's second review,
    hrev2: an asked-for ``project_next`` was dropped without a word)."""
    asked = " ".join(f"{k}={getattr(gated, k)}" for k in getattr(gated, "asked_", []))
    return f", and with them {asked}" if asked else ""


def treat(gated: Any, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
          seed: int) -> nn.Module | None:
    """``dense_mask`` on a dense image model the detector flagged: where the completed mask
    fires (module docstring) the input model with the mask unlearnt (in place), else None (the
    stages run as without the option). The note ``dense_mask`` says what was read and done."""
    suspect = verdict.target_classes[0] if verdict.target_classes else None
    with step_note(gated, "dense_mask") as note:
        read = completed_mask(model, clean.x) if suspect is not None else None
        if read is None:
            note["action"] = "none: no suspect, or no dense first layer with blank pixels"
            return None
        mask, spike = read
        pixels = int(mask.sum())
        flip = sent_share(model, clean.x, clean.y, int(suspect),
                          lambda x: white(mask, x)) if pixels else 0.0
        note.update(pixels=pixels, spike=round(spike, 2), flip=round(flip, 3),
                    bars={"pixels": MIN_PIXELS, "spike": [SPIKE, SPIKE_MOST], "flip": FLIP_BAR})
        if pixels < MIN_PIXELS or not SPIKE <= spike <= SPIKE_MOST or flip < FLIP_BAR:
            note["action"] = "none: no dense mask the input model answers; the stages run"
            return None
        trigger: ReversedTrigger | None = verdict.triggers.get(int(suspect))
        if trigger is not None:
            mask = torch.maximum(mask, (trigger.mask[0] * trigger.pattern.mean(0)
                                        >= BRIGHT).float()[None])
        note["stamped"] = int(mask.sum())
        place = ranked(model, clean, mask, int(suspect)) if gated.mask_ranked else None
        dark = float(gated.mask_dark)
        unlearn_mask(model, clean, mask, seed, int(gated.dense_mask), place, dark)
        note["flip_after"] = round(sent_share(model, clean.x, clean.y, int(suspect),
                                              lambda x: white(mask, x)), 3)
        note["action"] = (f"the completed mask unlearnt for {gated.dense_mask} epochs from the "
                          "input model" + (", stamped by rank" if place is not None else "")
                          + (f", other pixels darkened up to {dark:g}" if dark else "")
                          + "; the stages skipped" + projection_unread(gated))
    return model.eval()
