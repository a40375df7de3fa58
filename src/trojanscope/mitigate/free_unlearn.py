"""Unlearn a free universal perturbation where one still reaches the suspect: ``free_reach``.

Why (issue 12, stop 51: h12a): `gated` leaves some backdoored MNIST MLPs at 2-5% ASR. On the
development models read (zoos 2436-2438, the attacker's trigger read for the diagnosis only) the
residue is not a few images: the attacker's trigger still raises the target's logit by a median
1-2 logits on *every* triggered image, and the images that cross are those whose own class wins
by less. The second stage unlearns the detector's reversed trigger and a *striped* universal
perturbation (one row repeated: SIG's shape), neither of which has a blended pattern's shape.
Here, after every stage, a free (unstriped) universal perturbation of at most ``READ_EPS`` per
pixel is searched towards the detector's suspect class on the method's clean images; where it
sends at least ``free_reach`` of those not of the suspect there (a shortcut left), the model is
fine-tuned for ``EPOCHS`` epochs on the clean images and on copies moved by such a perturbation
(at most ``EPS``, re-optimised each batch) under their true labels, with distillation towards
the model as the stages left it on the clean images and their seeded neighbours
(:func:`~trojanscope.mitigate.adaptive.neighbourhood`) so its clean function stays. It reads
the detector's suspect and the method's clean images, never the attacker's trigger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.modes import eval_mode
from trojanscope.mitigate.adaptive import neighbourhood
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.sent_share import outside, sent_share
from trojanscope.mitigate.step_note import step_note

# The generator's offset from the method's seed (not another stage's stream).
FREE_SEED = 6151
# The reading: a perturbation of at most READ_EPS per pixel, READ_STEPS signed steps of
# READ_EPS / 10 on the clean images not of the suspect class.
READ_EPS = 0.15
READ_STEPS = 40
# The unlearning: perturbations of at most EPS (ADV_STEPS signed steps of EPS / 4 per batch,
# kept from batch to batch), EPOCHS epochs of Adam at LR in batches of BATCH, distillation of
# weight DISTILL on the clean images and NEAR neighbours of each.
EPS = 0.2
ADV_STEPS = 3
EPOCHS = 5
LR = 3e-4
BATCH = 50
DISTILL = 4.0
NEAR = 4


def universal_reach(model: nn.Module, x: Tensor, y: Tensor, suspect: int,
                    eps: float | None = None, steps: int = READ_STEPS) -> float:
    """The share of ``x``'s images not of class ``suspect`` that one perturbation of at most
    ``eps`` (None: ``READ_EPS``) per pixel, found on those images by ``steps`` signed-gradient
    steps, sends to ``suspect`` (0 when there is none)."""
    eps = READ_EPS if eps is None else eps
    xs = outside(x, y, suspect)
    if len(xs) == 0:
        return 0.0
    delta = _signed_steps(model, xs, torch.zeros(1, *xs.shape[1:]), suspect, steps, eps / 10,
                          eps)
    return sent_share(model, x, y, suspect, lambda moved: (moved + delta).clamp(0, 1))


def _signed_steps(model: nn.Module, x: Tensor, delta: Tensor, suspect: int, steps: int,
                  size: float, eps: float) -> Tensor:
    """``delta`` (one perturbation shared by ``x``'s images) after ``steps`` signed-gradient
    steps of ``size`` that push ``x`` towards ``suspect``, kept within ``eps`` per pixel; the
    model in eval mode. ``universal_reach``'s search and :func:`pushed`'s."""
    target = torch.full((len(x),), suspect, dtype=torch.long)
    with eval_mode(model):
        for _ in range(steps):
            delta.requires_grad_(True)
            loss = F.cross_entropy(model((x + delta).clamp(0, 1)), target)
            (grad,) = torch.autograd.grad(loss, [delta])
            with torch.no_grad():
                delta = (delta - size * grad.sign()).clamp(-eps, eps)
    return delta.detach()


def pushed(model: nn.Module, x: Tensor, delta: Tensor, suspect: int) -> Tensor:
    """``delta`` after ``ADV_STEPS`` signed steps that push ``x`` harder towards ``suspect``
    (:func:`distil_fit`'s ``push`` and ``aug_last``'s development ``push``; public since stop
    75, hfix2: ``aug_last`` imported it by its private name)."""
    return _signed_steps(model, x, delta.clone(), suspect, ADV_STEPS, EPS / 4, EPS)


def unlearn_free(model: nn.Module, clean: TensorDataset, suspect: int, seed: int,
                 distill: float | None = None) -> None:
    """Fine-tune ``model`` in place: the clean images and copies moved by a free universal
    perturbation towards ``suspect`` under their true labels, with distillation (weight
    ``distill``; None: ``DISTILL``) towards the model as it came on the clean images and their
    neighbours (the constants above)."""
    gen = torch.Generator().manual_seed(seed + FREE_SEED)
    distil_fit(model, frozen_copy(model), clean, gen, EPOCHS, push=suspect, distill=distill)


def fit_batches(model: nn.Module, clean: TensorDataset, gen: torch.Generator,
                epochs: int) -> Iterator[tuple[torch.optim.Optimizer, Tensor, Tensor]]:
    """The fine-tune's loop: ``model``'s parameters made trainable, one Adam at ``LR``, then
    ``epochs`` passes over ``clean`` in batches of ``BATCH`` in an order drawn from ``gen``,
    each batch given with the optimiser (:func:`distil_fit`'s and ``aug_last``'s)."""
    for prm in model.parameters():
        prm.requires_grad_(True)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for _ in range(epochs):
        order = torch.randperm(len(clean), generator=gen)
        for i in range(0, len(clean), BATCH):
            yield opt, clean.x[order[i:i + BATCH]], clean.y[order[i:i + BATCH]]


def distil_fit(model: nn.Module, teacher: nn.Module, clean: TensorDataset,
               gen: torch.Generator, epochs: int, push: int | None = None,
               leave_out: int | None = None, distill: float | None = None,
               perturb: Callable[[nn.Module, Tensor], Tensor] | None = None) -> None:
    """The distilling fine-tune of ``free_reach`` and ``back_distill``, in place: ``epochs``
    epochs of Adam at ``LR`` in batches of ``BATCH``, cross-entropy on the clean images under
    their true labels plus ``distill`` (None: ``DISTILL``) times the KL towards ``teacher`` on
    them and ``NEAR`` neighbours of each (drawn from ``gen``). With ``push`` (a class), copies
    moved by a free universal perturbation towards it (at most ``EPS``, re-optimised each batch)
    are trained on under their true labels too; with ``leave_out`` (a class), its column is
    left out of the KL. With ``perturb`` (instead of ``push``), ``perturb(model, batch)``
    gives those moved copies (``sparse_reach``'s sparse stamp)."""
    weight = DISTILL if distill is None else distill
    delta = torch.zeros(1, *clean.x.shape[1:])
    for opt, bx, by in fit_batches(model, clean, gen, epochs):
        moved = None
        if push is not None:
            delta = pushed(model, bx, delta, push)
            moved = (bx + delta).clamp(0, 1)
        elif perturb is not None:
            moved = perturb(model, bx).detach()
        near = torch.cat([neighbourhood(bx, gen) for _ in range(NEAR)])
        plain = torch.cat([bx, near])
        with torch.no_grad():
            want = teacher(plain)
        model.train()
        n = len(bx)
        if moved is None:
            kept = out = model(plain)
            labelled, labels = out[:n], by
        else:
            out = model(torch.cat([bx, moved, near]))
            kept = torch.cat([out[:n], out[2 * n:]])
            labelled, labels = out[:2 * n], torch.cat([by, by])
        if leave_out is not None:
            cols = [c for c in range(out.shape[1]) if c != leave_out]
            kept, want = kept[:, cols], want[:, cols]
        loss = (F.cross_entropy(labelled, labels)
                + weight * F.kl_div(F.log_softmax(kept, 1), torch.softmax(want, 1),
                                     reduction="batchmean"))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def free_changed(gated: Any, model: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
    """`gated`'s ``free_reach``: its stages on ``model``, then :func:`free_step` on what they
    return, then the enabled steps of :data:`~trojanscope.mitigate.after_steps.AFTER_STEPS` in
    their order; with ``held_pick`` (or ``mixed_held``) the steps work on the clean images its
    share left. The
    notes ``free_reach`` and each step's own say what was read and done."""
    from trojanscope.mitigate.after_steps import AfterState, run_after
    from trojanscope.mitigate.gated import same_state

    came = {k: v.detach().clone() for k, v in model.state_dict().items()}
    out = gated._purify_margin(model, clean, seed)
    held = getattr(gated, "pick_held_", None)  # held_pick, mixed_held: the steps on the rest
    if held is not None:
        clean = gated.pick_rest_
    staged = frozen_copy(out) if held is not None else None
    out = free_step(gated, out, clean, seed, same_state(out.state_dict(), came),
                    repaired=bool(getattr(gated, "repaired_", False)))
    return run_after(gated, AfterState(out, clean, seed, came, staged, held))


def free_step(gated: Any, out: nn.Module, clean: TensorDataset, seed: int,
              unchanged: bool, repaired: bool = False) -> nn.Module:
    """The step itself on the stages' model ``out`` (``unchanged``: they handed it back as it
    came; ``repaired``: ``project_repair`` fitted it behind a kept projection, whose striped
    copies already stand in for the step, which on development SIG MLPs cost a repaired model
    0.9-2.0 points: left alone, issue 12 stop 52): on a changed model with a suspect class,
    :func:`unlearn_free` where :func:`universal_reach` on the clean images is at least
    ``gated.free_reach``. In place; the note's ``free_reach`` (with its ``seconds``) says what
    was read and done. Its own function so a benchmark can apply it to another model of the
    same run."""
    suspect = gated.report_.get("suspect")
    if unchanged:
        gated.report_["free_reach"] = {"action": "skipped: the model comes back as it came"}
        return out
    if repaired:
        gated.report_["free_reach"] = {"action": "skipped: fitted back behind its projection "
                                                 "(project_repair)"}
        return out
    if suspect is None:
        gated.report_["free_reach"] = {"action": "skipped: no suspect class"}
        return out
    with step_note(gated, "free_reach") as note:
        reach = universal_reach(out, clean.x, clean.y, int(suspect))
        note.update(reach=round(reach, 3), bar=gated.free_reach)
        if reach < gated.free_reach:
            note["action"] = "none: no free perturbation reaches the suspect that far"
        else:
            unlearn_free(out, clean, int(suspect), seed)
            note["action"] = "a free universal perturbation towards the suspect unlearnt"
    return out
