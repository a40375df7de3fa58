"""Fit the output back towards the input model's clean outputs while still unlearning a free
perturbation towards the suspect, last, where the detector's trigger still turns the output:
``teach_last`` (an accuracy repair).

Why (issue 12, stop 64: h12): pooled over the fresh zoos 2439-2468 nearly half of today's
misses are accuracy alone (47 of 97: ASR at most 2%, past the 2-point bar, many by 1-3 images
of 800). The input model behaves on clean images (the trigger is absent from them), so its
outputs there are soft labels for what the stages cost. Fitted towards them alone the backdoor
comes back (development: ASR up by 6-8 points on the mean); here the fit is ``free_reach``'s own
unlearning (:func:`~trojanscope.mitigate.free_unlearn.distil_fit` with ``push``: the clean images
under their true labels, copies moved by a free universal perturbation towards the suspect under
their true labels, distillation on the clean images and their seeded neighbours) with the
*input* model as the teacher in place of the output, every class in the distillation. On
development models (every backdoored MLP of zoos 2465-2468, spent seeds) that fit gave accuracy
back on most outputs but let 2-4% of the attacker's images through again on BadNets, blended and
sparse outputs whose reversed trigger no longer turns anything (a patch or a blend the free
perturbation does not cover); where the detector's reversed trigger for the suspect still sends
at least ``TEACH_FLIP`` of the method's clean images not of the suspect there (the SIG outputs:
the stripe is within the perturbation's reach), it lost none and turned all three SIG accuracy
misses.
So the step runs only there. It runs where ``free_reach``'s step read the model (a model the run
changed, with a suspect class) and the detector left a trigger for the suspect, so a model the
gate passed is never touched. It reads the detector's suspect and trigger, the method's clean
images and the input model, never the attacker's trigger. On fresh zoos 2469/2470 it fired on
3 of 20 backdoored MLPs (SIG), turned one accuracy miss and lost none (10 of 20 at issue 12's
goal against 9), meeting the rule written before them (benchmarks/data/mitigate_s64/plan.md):
`gated`'s default since (``TEACH_LAST`` = 5).

Three epochs (issue 12, stop 82: h12b): the fit towards the input model, which answers the
stripe, grows the projected stripe back (stop 80); on spent SIG MLPs five epochs left three at
2.1-2.2% ASR that three epochs took to 1.25-1.53% (23 of 27 at the goal against 20, none lost).
On fresh zoos 2529/2530 three epochs took 20 of 24 backdoored MLPs to the goal against 19, none
lost, meeting the rule written before them (benchmarks/data/mitigate_s82_h12b/rule.md): the
default since (``TEACH_LAST`` = 3; ``teach_last=5`` gives the runs before).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.after_steps import trigger_after_step
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.gated_defaults import TEACH_FLIP  # the bar, there since stop 72
from trojanscope.mitigate.step_note import step_note
from trojanscope.mitigate.trigger_last import trigger_flip

# The generator's offset from the method's seed: the development run's stream
# (benchmarks/data/mitigate_s64/dev_accuracy.py's ``P5``), so its figures are the step's.
TEACH_SEED = 6464


def teach(model: nn.Module, came: dict, clean: TensorDataset, suspect: int, seed: int,
          epochs: int) -> None:
    """``epochs`` epochs of :func:`~trojanscope.mitigate.free_unlearn.distil_fit` on ``model``,
    in place, towards the input model (``came``: its state) with ``free_reach``'s pushed copies
    towards ``suspect``."""
    teacher = frozen_copy(with_state(model, came))
    gen = torch.Generator().manual_seed(seed + TEACH_SEED)
    distil_fit(model, teacher, clean, gen, epochs, push=suspect)


after_step = trigger_after_step("teach_last", __name__, "teach_step", came=True)


def teach_step(gated: Any, out: nn.Module, came: dict, clean: TensorDataset, seed: int,
               trigger: ReversedTrigger) -> nn.Module:
    """``gated.teach_last`` epochs of :func:`teach` on ``out``, in place, where ``trigger``
    still sends at least ``TEACH_FLIP`` of the clean images not of the suspect there; otherwise
    ``out`` as it came. The note's ``teach_last`` gives the epochs, that share (``flip``), the
    bar, what was done and the seconds. Its own function so a benchmark can spy on it."""
    suspect = int(gated.report_["suspect"])
    with step_note(gated, "teach_last") as note:
        flip = trigger_flip(out.eval(), clean.x, clean.y, suspect, trigger)
        note.update(epochs=gated.teach_last, flip=round(flip, 4), bar=TEACH_FLIP)
        if flip >= TEACH_FLIP:
            teach(out, came, clean, suspect, seed, gated.teach_last)
            note["action"] = "fitted towards the input model's clean outputs, still unlearning"
        else:
            note["action"] = "none: the reversed trigger no longer turns the output"
    return out.eval()
