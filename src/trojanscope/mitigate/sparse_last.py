"""Unlearn a sparse universal perturbation towards the suspect, last: ``sparse_last``.

Why (issue 12, stop 58: h12): of the misses today's `gated` leaves on fresh MNIST MLP zoos, the
ASR ones (25 of 52 pooled over 2439-2456, 4 more with accuracy) are mostly residues of 2-5%.
Read stage by stage on the zoos still on disk (benchmarks/data/mitigate_s58, ``diag.py``; the
attacker's trigger read for the diagnosis only), the detector's suspect was the attacker's
target on every one and the second stage ran; what it left sat under ``free_reach``'s bar with
the suspect the least reachable class: no reading of the method sees it. ``free_reach``'s
unlearning moves every pixel by at most 0.2, a shape that covers a blended or striped trigger
but not BadNets' patch or the sparse attack's scattered pixels, set all the way to black or
white. Here, last, wherever ``free_reach``'s step read the model (a model the run changed, with
a suspect class), a *sparse* universal perturbation towards the suspect (``K`` pixels, each set
to 0 or 1 on every image: :func:`sparse_delta`, a greedy first-order choice) is unlearnt for
``EPOCHS`` epochs: the clean images and copies stamped with such a perturbation (re-chosen
against the model at every batch) under their true labels, with ``free_reach``'s distillation
towards the model as it came (:func:`~trojanscope.mitigate.free_unlearn.distil_fit`). Its
reading before (:func:`sparse_reach`) is reported, not used: on development it did not single
out the suspect. It reads the detector's suspect and the method's clean images, never the
attacker's trigger. On fresh zoos 2457/2458 ``sparse_last=1`` brought 11 of 20 backdoored MLPs
to issue 12's goal against today's 12 (none gained, 2458/blended-001 lost), failing the rule
written before those zoos (benchmarks/data/mitigate_s58/plan.md): opt-in (default 0).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.modes import eval_mode
from trojanscope.mitigate.after_steps import free_reach_read
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.sent_share import outside, sent_share
from trojanscope.mitigate.step_note import step_note

# The generator's offset from the method's seed (not another step's stream).
SPARSE_SEED = 7331
# The perturbation: K pixels (of the image's height x width, every channel), each set to 0 or
# 1; READ_ITERS greedy re-choices for the reading, BATCH_ITERS per training batch.
K = 32
READ_ITERS = 8
BATCH_ITERS = 2
# The unlearning: EPOCHS epochs of free_reach's distilling fine-tune.
EPOCHS = 5


def stamp(x: Tensor, mask: Tensor, value: Tensor) -> Tensor:
    """``x`` with the pixels where ``mask`` is 1 set to ``value`` (both of ``x``'s image
    shape, broadcast over the batch)."""
    return x * (1 - mask) + mask * value


def sparse_delta(model: nn.Module, x: Tensor, target: int, k: int = K,
                 iters: int = READ_ITERS) -> tuple[Tensor, Tensor]:
    """A mask of ``k`` pixel positions and their values (0 or 1) that push ``x`` towards class
    ``target`` together: each iteration, at the current stamp, the mean gradient of the loss
    towards ``target`` gives each pixel the value that lowers it and the first-order gain of
    setting it so; the ``k`` positions of largest gain (summed over channels) are taken. Each
    iteration re-chooses from the gradient at the last one's stamp and the last choice is
    returned, not the best: where a stamp saturates the loss (its gradient vanishes) the next
    choice can undo it (the version read on development and on fresh zoos 2457/2458)."""
    shape = x.shape[1:]
    mask = torch.zeros(1, *shape)
    value = torch.zeros(1, *shape)
    want = torch.full((len(x),), target, dtype=torch.long)
    with eval_mode(model):
        for _ in range(iters):
            xs = stamp(x, mask, value).detach().requires_grad_(True)
            loss = F.cross_entropy(model(xs), want)
            (grad,) = torch.autograd.grad(loss, [xs])
            g = grad.mean(0, keepdim=True)
            base = x.mean(0, keepdim=True)
            value = (g < 0).float()  # the value that lowers the loss, per pixel
            gain = (g * (base - value)).sum(1, keepdim=True)  # first order, over channels
            top = gain.flatten().topk(min(k, gain.numel())).indices
            spatial = torch.zeros(gain.numel())
            spatial[top] = 1.0
            mask = spatial.view(1, 1, *shape[1:]).expand(1, *shape).clone()
    return mask.detach(), value.detach()


def sparse_reach(model: nn.Module, x: Tensor, y: Tensor, suspect: int, k: int = K,
                 iters: int | None = None) -> float:
    """The share of ``x``'s images not of class ``suspect`` that one sparse perturbation
    (:func:`sparse_delta` with ``iters``, None: ``READ_ITERS``, found on those images) sends to
    ``suspect`` (0 when there is none)."""
    xs = outside(x, y, suspect)
    if len(xs) == 0:
        return 0.0
    mask, value = sparse_delta(model, xs, suspect, k, READ_ITERS if iters is None else iters)
    return sent_share(model, x, y, suspect, lambda moved: stamp(moved, mask, value))


def sparse_push(suspect: int) -> Any:
    """The per-batch perturbation for :func:`distil_fit`: the batch stamped with a sparse
    perturbation towards ``suspect`` re-chosen against the model (``BATCH_ITERS``)."""
    def push(model: nn.Module, bx: Tensor) -> Tensor:
        mask, value = sparse_delta(model, bx, suspect, K, BATCH_ITERS)
        return stamp(bx, mask, value)
    return push


def after_step(gated: Any, state: Any) -> nn.Module:
    """The registered step (:mod:`~trojanscope.mitigate.after_steps`): :func:`sparse_step`
    where ``free_reach``'s step read the model (it changed, with a suspect class), otherwise the
    model as it came."""
    if not free_reach_read(gated, "sparse_last"):
        return state.out
    return sparse_step(gated, state.out, state.clean, state.seed)


def unlearn_sparse(model: nn.Module, clean: TensorDataset, suspect: int, seed: int) -> None:
    """``EPOCHS`` epochs of ``free_reach``'s distilling fine-tune on ``model``, in place, towards
    the model as it came, with copies stamped by a sparse perturbation towards ``suspect``
    (re-chosen each batch) under their true labels; ``sparse_last``'s and ``residue_last``'s."""
    from trojanscope.mitigate.base import frozen_copy

    gen = torch.Generator().manual_seed(seed + SPARSE_SEED)
    distil_fit(model, frozen_copy(model), clean, gen, EPOCHS, perturb=sparse_push(suspect))


def sparse_step(gated: Any, out: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
    """``EPOCHS`` epochs of ``free_reach``'s distilling fine-tune on ``out``, in place, with
    copies stamped by a sparse perturbation towards the suspect under their true labels; the
    note's ``sparse_last`` gives :func:`sparse_reach` before and the seconds. Its own function
    so a benchmark can spy on it."""
    suspect = int(gated.report_["suspect"])
    with step_note(gated, "sparse_last") as note:
        reach = sparse_reach(out, clean.x, clean.y, suspect)
        unlearn_sparse(out, clean, suspect, seed)
        note.update(reach=round(reach, 3),
                    action="a sparse universal perturbation towards the suspect unlearnt")
    return out.eval()
