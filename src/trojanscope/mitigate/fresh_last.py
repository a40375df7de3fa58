"""A fresh trigger search on the output, the suspect class fixed, and the unlearning of what it
finds where it still turns the output: ``fresh_last`` (aimed at the ASR residues).

Why (issue 12, stop 63: h12): after `gated`'s stages 2-3% of the attacker's triggered images
still flip on many BadNets, blended, sparse and WaNet MLPs, while the detector's reversed
trigger for the suspect turns nothing on the output (the second stage unlearnt the shape it
found, not all of the backdoor; stop 62). Here the trigger is searched again on the output
(:func:`~trojanscope.mitigate.fresh_residue.bounded_search`: mask and pattern towards the
suspect, warm from the detector's trigger, its mask no larger than that trigger's) where that
trigger itself turns fewer than ``FRESH_FLIP`` of the clean images (the case the step is for),
and where the found trigger still sends at least B (the option's value) of the method's clean
images not of the suspect there, it is unlearnt as ``trigger_last`` unlearns the detector's
(:func:`~trojanscope.mitigate.trigger_last.unlearn_trigger`: ``FRESH_EPOCHS`` epochs of the
distilling fine-tune towards the output with copies stamped by it under their true labels). It
runs only where ``free_reach``'s step read the model (a model the run changed, with a suspect
class) and the detector left a trigger for the suspect, so a model the gate passed is never
touched; it reads the detector's suspect and trigger and the method's clean images, never the
attacker's trigger. Development (zoos 2465/2466 rebuilt, spent seeds) and the rule it met or
failed on fresh zoos 2467/2468: docs/benchmarks.md, issue 12 stop 63.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.after_steps import trigger_after_step
from trojanscope.mitigate.fresh_residue import bounded_search
from trojanscope.mitigate.step_note import step_note
from trojanscope.mitigate.trigger_last import trigger_flip, unlearn_trigger

# The search's generator offset from the method's seed (its own stream), and its mask's budget
# as a multiple of the detector's trigger's mask L1.
FRESH_SEED = 7707
FRESH_TIMES = 1.0
# Epochs of the unlearning where the found trigger reaches the bar.
FRESH_EPOCHS = 5
# The search runs only where the detector's own trigger sends fewer than this share of the clean
# images not of the suspect there on the output: the residues it is for are those the reversed
# trigger no longer sees (0-0.011 on the development BadNets, blended, sparse and WaNet outputs;
# SIG outputs that still carry the stripe read 0.16-0.55, and a bounded search there finds the
# stripe again and its unlearning costs 1.6-1.8 points: development, stop 63).
FRESH_FLIP = 0.1


after_step = trigger_after_step("fresh_last", __name__, "fresh_step")


def fresh_search(out: nn.Module, clean: TensorDataset, suspect: int, seed: int,
                 trigger: ReversedTrigger) -> tuple[ReversedTrigger, float]:
    """The trigger :func:`~trojanscope.mitigate.fresh_residue.bounded_search` finds on ``out``
    towards ``suspect`` from ``trigger`` (its budget ``FRESH_TIMES`` times ``trigger``'s mask
    L1), and the share of ``clean``'s images not of ``suspect`` it sends there."""
    gen = torch.Generator().manual_seed(seed + FRESH_SEED)
    budget = FRESH_TIMES * float(trigger.mask.sum())
    found = bounded_search(out, clean, suspect, budget, gen, start=trigger)
    return found, trigger_flip(out, clean.x, clean.y, suspect, found)


def fresh_step(gated: Any, out: nn.Module, clean: TensorDataset, seed: int,
               trigger: ReversedTrigger) -> nn.Module:
    """On ``out``, where the detector's ``trigger`` sends fewer than ``FRESH_FLIP`` of the clean
    images not of the suspect there: :func:`fresh_search`; where its share is at least
    ``gated.fresh_last``, ``FRESH_EPOCHS`` epochs of
    :func:`~trojanscope.mitigate.trigger_last.unlearn_trigger` with the found trigger (in place).
    The note's ``fresh_last`` gives both readings (the found trigger's before and after), the
    bar, what was done and the seconds. Its own function so a benchmark can spy on it."""
    suspect = int(gated.report_["suspect"])
    with step_note(gated, "fresh_last") as note:
        flip = trigger_flip(out, clean.x, clean.y, suspect, trigger)
        note.update(flip=round(flip, 4), bar=gated.fresh_last)
        if flip >= FRESH_FLIP:
            note["action"] = "none: the reversed trigger still turns the output (no search)"
            return out.eval()
        found, reach = fresh_search(out, clean, suspect, seed, trigger)
        note.update(reach=round(reach, 4),
                    budget=round(FRESH_TIMES * float(trigger.mask.sum()), 2))
        if reach < gated.fresh_last:
            note["action"] = "none: the fresh trigger turns fewer clean images than the bar"
        else:
            unlearn_trigger(out, clean, suspect, seed, FRESH_EPOCHS, found)
            note["reach_after"] = round(trigger_flip(out, clean.x, clean.y, suspect, found), 4)
            note["action"] = "the fresh trigger unlearnt, distilling towards the output"
    return out.eval()
