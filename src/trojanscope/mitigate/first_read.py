"""Hand back the first stage's model instead of a projected one where the gate's own readings
find nothing reaching the suspect on it: ``first_read``.

Why (issue 12, stop 55: h12): where a stripe projection was kept and the probe found no backdoor
left after FT-SAM, `gated` hands back the *projected* model, with the projection's accuracy cost:
four of the eleven accuracy-only misses of development zoos 2443-2450 (SIG MLPs at 3.5-4.6
points lost, ASR <= 0.1%), while FT-SAM, trained from that model, had taken the cost back
(-1.0 to +0.1 points at ASR <= 1.1%). ``project_first`` returns that model unread, and it failed
its rules (stops 40, 46, 47): on some SIG MLPs the first stage had taken part of the backdoor
back (5-18% ASR). Here the first stage's model is kept aside on that hand-back, and after
``free_reach``'s step (and ``reach_round2``) it replaces the model they return only where
``free_reach``'s own reading on it (a free universal perturbation of at most ``READ_EPS`` per
pixel, :func:`~trojanscope.mitigate.free_unlearn.universal_reach`) sends fewer than
``first_read`` of the clean images not of the suspect there (a bar well under the step's own:
on the development SIG MLPs the four accuracy misses read 0.017-0.022 on their first stage's
model, 2450/sig-007, whose first stage had 8.3% ASR, 0.072), *and* the suspect is the least
reachable of the classes (:func:`~trojanscope.mitigate.reach_round.reach_rank`,
``reach_round2``'s reading): then neither step would have touched that model. It reads the
detector's suspect and the method's clean images, never the attacker's trigger. On the 36 SIG
MLPs of development zoos 2433-2450 ``first_read=0.03`` gained five and lost one (2433/sig-007,
whose first stage cost more than the projection); on fresh zoos 2451/2452 it handed back one
model, at the goal either way (15 of 20 backdoored MLPs at the goal either way), failing the
rule written before them (benchmarks/data/mitigate_s55/plan.md): opt-in (default 0).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.free_unlearn import universal_reach
from trojanscope.mitigate.reach_round import reach_rank
from trojanscope.mitigate.step_note import step_note


def after_step(gated: Any, state: Any) -> nn.Module:
    """The registered step (:mod:`~trojanscope.mitigate.after_steps`): :func:`first_back`
    where the projected hand-back kept the first stage's model aside, otherwise the model as
    it came."""
    if getattr(gated, "first_kept_", None) is None:
        return state.out
    return first_back(gated, state.out, state.clean)


def first_back(gated: Any, out: nn.Module, clean: TensorDataset) -> nn.Module:
    """``out`` (what ``free_reach``'s step and ``reach_round2`` returned), or the first stage's
    model the projected hand-back kept aside (``gated.first_kept_``) where both readings find
    nothing reaching the suspect on it. The note's ``first_read`` says what was read and done;
    its own function so a benchmark can spy on it."""
    first = gated.first_kept_
    suspect = int(gated.report_["suspect"])
    with step_note(gated, "first_read") as note:
        reach = universal_reach(first, clean.x, clean.y, suspect)
        note.update(reach=round(reach, 3), bar=gated.first_read)
        if reach >= gated.first_read:
            note["action"] = "the projected model kept: a free perturbation reaches the " \
                             "suspect on the first stage's model"
            return out
        every, rank = reach_rank(first, clean.x, clean.y, suspect)
        note.update(reach_all=[round(r, 3) for r in every], rank=rank)
        if rank > 0:
            note["action"] = "the projected model kept: the suspect is not the least " \
                             "reachable class on the first stage's model"
            return out
        for prm in first.parameters():  # handed back as every other path's model
            prm.requires_grad_(True)
        note["action"] = "the first stage's model handed back, not the projected one"
        return first.eval()
