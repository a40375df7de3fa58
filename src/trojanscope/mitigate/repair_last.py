"""Give the suspect class back the accuracy the stages took, kept only where the detector's
reversed trigger, searched again on the repaired model, comes little nearer to turning it:
``repair_last`` (opt-in).

Why (issue 12, stop 67: h12): most of today's misses are accuracy alone, and the loss sits on
the suspect class's own clean images (stop 66). A fit towards the input model with the suspect's
share capped by the output's (:class:`CappedTeacher`, stop 65's ``capP``) gives them back, but
on some outputs it also lets the attacker's images back in, and neither the trigger's share nor
``free_reach``'s reach sees it. The suspect's margin on the clean images stamped with the
detector's trigger, its pattern searched again on the model read inside its mask grown by two
pixels (:func:`~trojanscope.mitigate.stamp_margin.stamped_margin` with ``search=2``), sees much
of it: on development (70 backdoored MLPs, spent seeds) its rise tells the fitted outputs whose
real ASR is above 2% from the others at a ROC-AUC of 0.83 (the reach: 0.83), and the fit kept
where it rose by at most ``REPAIR_RISE`` brought 61 to issue 12's goal against 53, none lost,
where the reach as the guard brought 57 and lost 5 (benchmarks/data/mitigate_s67/plan.md). It
runs only where ``mixed_last`` fitted the output (a model the run changed, with a suspect and a
reversed trigger that no longer turns it), so a model the gate passed is never touched. It reads
the detector's suspect and trigger, the method's clean images and the input model, never the
attacker's trigger.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.after_steps import trigger_after_step
from trojanscope.mitigate.mixed_last import MixedTeacher, fit_towards, guarded_copy
from trojanscope.mitigate.stamp_margin import stamped_margin
from trojanscope.mitigate.step_note import mixed_unfitted, step_note

# The generator's offset from the method's seed: the development run's stream
# (benchmarks/data/mitigate_s67/dev_read.py), so its figures are the step's.
REPAIR_SEED = 6666
# The fitted copy is kept only where the suspect's mean margin on the stamped clean images rose
# by at most this (logits; development: benchmarks/data/mitigate_s67/dev-gate.txt).
REPAIR_RISE = 0.25
# The stamp read: the detector's pattern searched again on the model read inside its mask grown
# by this many pixels (``stamp_margin.stamped_margin``'s ``search``; None: the trigger as left).
REPAIR_SEARCH: int | None = 2


class CappedTeacher(MixedTeacher):
    """Log-probabilities of ``came`` (the input model) with the suspect's probability capped by
    ``output``'s, renormalised (the same three inputs as
    :class:`~trojanscope.mitigate.mixed_last.MixedTeacher`, another mix of them)."""

    def forward(self, x: Tensor) -> Tensor:
        p = torch.softmax(self.came(x), 1)
        q = torch.softmax(self.output(x), 1)
        capped = p.clone()
        capped[:, self.suspect] = torch.minimum(p[:, self.suspect], q[:, self.suspect])
        capped = capped / capped.sum(1, keepdim=True)
        return capped.clamp_min(1e-12).log()


def fit_repair(model: nn.Module, came: dict, clean: TensorDataset, suspect: int, seed: int,
               epochs: int) -> None:
    """:func:`~trojanscope.mitigate.mixed_last.fit_towards` :class:`CappedTeacher` (the input
    model's state ``came``, ``model`` as it came), the generator the seed + ``REPAIR_SEED``."""
    fit_towards(model, CappedTeacher, came, clean, suspect, seed + REPAIR_SEED, epochs)


after_step = trigger_after_step("repair_last", __name__, "repair_step", came=True)


def repair_step(gated: Any, out: nn.Module, came: dict, clean: TensorDataset, seed: int,
                trigger: ReversedTrigger) -> nn.Module:
    """Where ``mixed_last`` fitted ``out``: ``gated.repair_last`` epochs of :func:`fit_repair`
    on a copy, returned where :func:`~trojanscope.mitigate.stamp_margin.stamped_margin` (the
    clean images stamped with ``trigger``, searched again) rose by at most ``REPAIR_RISE``;
    otherwise ``out`` as it came (the margin read with ``REPAIR_SEARCH``). The note's
    ``repair_last`` gives the epochs, the margin before and after, the bar, the search, what was
    done and the seconds. Its own function so a benchmark can spy on it."""
    with step_note(gated, "repair_last") as note:
        note.update(epochs=gated.repair_last, rise=REPAIR_RISE, search=REPAIR_SEARCH)
        if mixed_unfitted(gated, note):
            return out.eval()
        suspect = int(gated.report_["suspect"])
        before, after, kept = guarded_copy(
            out, lambda m: fit_repair(m, came, clean, suspect, seed, gated.repair_last),
            lambda m: stamped_margin(m, clean.x, clean.y, suspect, trigger, REPAIR_SEARCH),
            REPAIR_RISE)
        note.update(margin=round(before, 4), margin_after=round(after, 4))
        if kept is not None:
            note["action"] = ("fitted towards the input model with the suspect's share capped, "
                              "still unlearning; kept: the stamped margin stayed under the bar")
            return kept
        note["action"] = "fitted, not kept: the stamped margin rose"
    return out.eval()
