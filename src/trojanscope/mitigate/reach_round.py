"""A second round of ``free_reach``'s unlearning where the suspect is not the least reachable
class: ``reach_round2``.

Why (issue 12, stops 53-54: h12): the stages push the detector's suspect class away, so on a
purified MLP a free universal perturbation (``free_reach``'s reading) reaches the suspect less
than any other class. On the development MLPs of zoos 2443-2448 the suspect was *not* the least
reachable class on 6 of 60 backdoored models, 4 of them residues of 2-13% ASR; a second round of
``free_reach``'s own unlearning there, with the distillation weight doubled to ``ROUND_DISTILL``,
took 2443/sig-002 and 2444/blended-006 to the goal and lost none. The reading needs no trigger:
it reads the model the steps before hand back, the suspect and the method's clean images only.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.free_unlearn import universal_reach, unlearn_free
from trojanscope.mitigate.step_note import step_note

# The second round's distillation weight (``free_unlearn.DISTILL`` is the first round's 4): on
# the development MLPs of 2443-2448 46 of 60 at the goal against 45 with 4 (stop 53's
# mitigate_s53/dev_rank_unlearn.py; 2443/sig-002 at -1.9 points, -2.1 with 4).
ROUND_DISTILL = 8.0


def reach_rank(model: nn.Module, x: Tensor, y: Tensor, suspect: int) -> tuple[list[float], int]:
    """``free_reach``'s reading towards every class of ``model`` on ``x``, and how many classes
    read strictly lower than ``suspect`` (0: the suspect is the least reachable, ties included)."""
    with torch.no_grad():
        classes = int(model.eval()(x[:1]).shape[1])
    reach = [universal_reach(model, x, y, c) for c in range(classes)]
    return reach, sum(r < reach[suspect] for r in reach)


def after_step(gated: Any, state: Any) -> nn.Module:
    """The registered step (:mod:`~trojanscope.mitigate.after_steps`): :func:`round_two` where
    ``free_reach``'s step read the model, otherwise the model as it came."""
    if "reach" not in gated.report_["free_reach"]:
        return state.out
    return round_two(gated, state.out, state.clean, state.seed)


def round_two(gated: Any, out: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
    """On the model ``out`` that ``free_reach``'s step handed back (it read a suspect class):
    where the suspect is not the least reachable class, :func:`unlearn_free` once more with
    distillation weight ``ROUND_DISTILL`` (the same seed's stream as the first round); otherwise
    ``out`` is left as it is. In place; the note's ``reach_round2`` says what was read and done
    (the reading per class, the suspect's rank, the seconds). Its own function so a benchmark
    can spy on it."""
    suspect = int(gated.report_["suspect"])
    with step_note(gated, "reach_round2") as note:
        reach, rank = reach_rank(out, clean.x, clean.y, suspect)
        note.update(reach=[round(r, 3) for r in reach], rank=rank)
        if rank == 0:
            note["action"] = "none: the suspect is the least reachable class"
        else:
            unlearn_free(out, clean, suspect, seed, distill=ROUND_DISTILL)
            note["action"] = "unlearnt again: the suspect is not the least reachable class"
    return out.eval()
