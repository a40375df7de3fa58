"""Unlearn the detector's reversed trigger once more, last, where it still turns the output:
``trigger_last`` (aimed at the ASR residues).

Why (issue 12, stop 62: h12): of the misses today's `gated` leaves on fresh MNIST MLP zoos, 34
of 79 pooled over 2439-2464 are ASR alone, mostly 2-4% left, on BadNets, blended, sparse and SIG
models alike. The last steps read before unlearnt shapes the detector did not find (a free
perturbation, a sparse one) and each cost accuracy on every model it touched; the one repair
that *raised* accuracy on the outputs was a short fit towards the output itself on the clean
images and their neighbours (``refit_last``, stop 60), which let a few tenths of ASR back. Here
that same fit (:func:`~trojanscope.mitigate.free_unlearn.distil_fit` towards a frozen copy of
the output) also trains on copies of the clean images stamped with the detector's reversed
trigger for the suspect class (``verdict_.triggers[suspect]``) under their true labels: the
reconstructed shortcut is unlearnt while the fit holds the clean function. It runs only where
the trigger still sends at least ``TRIGGER_BAR`` of the method's clean images not of the
suspect there on the output (:func:`trigger_flip`), and only where ``free_reach``'s step read
the model (a model the run changed, with a suspect class), so a model the gate passed is never
touched. It reads the detector's suspect and trigger and the method's clean images, never the
attacker's trigger. On 25 development MLPs of zoos 2461-2464 (``TRIGGER_BAR`` 0) it brought 14 to
issue 12's goal against today's 15: on the BadNets, blended and sparse residues the reversed
trigger no longer turns the output (the second stage unlearnt it), so the step is a refit there,
and on SIG models it cuts ASR at 0.5-1.7 points of accuracy. Opt-in (default 0), read on
development only; ``round_last`` reads the same share and runs another kind of round.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.after_steps import trigger_after_step
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.sent_share import sent_share
from trojanscope.mitigate.step_note import step_note

# The generator's offset from the method's seed (its own stream: the fit's neighbours and order).
TRIGGER_SEED = 4409
# The step runs where the reversed trigger sends at least this share of the method's clean images
# not of the suspect to it on the output (0: wherever there is a trigger).
TRIGGER_BAR = 0.0


def trigger_flip(model: nn.Module, x: Tensor, y: Tensor, suspect: int,
                 trigger: ReversedTrigger) -> float:
    """The share of ``x``'s images not of class ``suspect`` that ``model`` sends to ``suspect``
    once stamped with ``trigger`` (0 where there is none)."""
    return sent_share(model, x, y, suspect, trigger.apply)


def unlearn_trigger(model: nn.Module, clean: TensorDataset, suspect: int, seed: int,
                    epochs: int, trigger: ReversedTrigger, leave_out: bool = False) -> None:
    """``epochs`` epochs of :func:`~trojanscope.mitigate.free_unlearn.distil_fit` on ``model``,
    in place, towards ``model`` as it came (a frozen copy), with copies stamped by ``trigger``
    under their true labels (``leave_out``: the suspect's column left out of the
    distillation)."""
    gen = torch.Generator().manual_seed(seed + TRIGGER_SEED)
    distil_fit(model, frozen_copy(model), clean, gen, epochs,
               leave_out=suspect if leave_out else None,
               perturb=lambda _net, bx: trigger.apply(bx))


after_step = trigger_after_step("trigger_last", __name__, "trigger_step")


def trigger_step(gated: Any, out: nn.Module, clean: TensorDataset, seed: int,
                 trigger: ReversedTrigger) -> nn.Module:
    """On ``out``: :func:`trigger_flip` on the clean images; at or above ``TRIGGER_BAR``,
    ``gated.trigger_last`` epochs of :func:`unlearn_trigger` (in place). The note's
    ``trigger_last`` gives the reading before and after, the bar, what was done and the
    seconds. Its own function so a benchmark can spy on it."""
    suspect = int(gated.report_["suspect"])
    with step_note(gated, "trigger_last") as note:
        flip = trigger_flip(out, clean.x, clean.y, suspect, trigger)
        note.update(epochs=gated.trigger_last, flip=round(flip, 3), bar=TRIGGER_BAR)
        if flip < TRIGGER_BAR:
            note["action"] = "none: the reversed trigger turns fewer clean images than the bar"
        else:
            unlearn_trigger(out, clean, suspect, seed, gated.trigger_last, trigger)
            note["flip_after"] = round(trigger_flip(out, clean.x, clean.y, suspect, trigger), 3)
            note["action"] = "the reversed trigger unlearnt, distilling towards the output"
    return out.eval()
