"""`gated`'s ``project_next``: where the suspect's stripe reaches nothing, try the next classes.

What and why (issue 12, stop 74: h12g): ``dense_project`` projects striped shortcuts towards the
detector's *first* class out of an MLP's first layer. Fresh SIG MLP 2505/sig-001 (target 9) was
flagged at p = 0.938 with class 0 first and 9 second; the stripe towards 0 reached 0.09 of the
held-back images (under ``PROJECT_REACH``), so the projection was undone, both stages worked on
class 0 and the model came back at 97% ASR. With ``project_next=N`` (opt-in), where the
projection was undone because the suspect's stripe reached less than ``PROJECT_REACH``, the
detector's next N classes are tried in its order, each with the same projection and the same
keep rule (:func:`~trojanscope.mitigate.gated_projection.keep_projection`, its own reversed
trigger); the first one kept stays projected and becomes the suspect (first in the verdict the
stages read). None kept: the model as it came, as without the option.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.gated_defaults import PROJECT_REACH, PROJECT_STOP
from trojanscope.mitigate.stripe_projection import project_stripes
from trojanscope.mitigate.trigger_prune import proxy_asr

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated


def reached_nothing(report: dict[str, Any]) -> bool:
    """Whether an undone projection's stripe reached less than ``PROJECT_REACH`` on the
    original (the one reason ``project_next`` looks further)."""
    reach = report.get("reach_projected") or report.get("reach") or [0.0]
    return reach[0] < PROJECT_REACH


def suspect_first(verdict: ModelVerdict, cls: int) -> ModelVerdict:
    """``verdict`` with ``cls`` moved to the head of its ranked classes (the rest in order)."""
    return replace(verdict, target_classes=[cls] + [c for c in verdict.target_classes
                                                    if c != cls])


def try_next(g: Gated, model: nn.Module, fit: TensorDataset, val: TensorDataset,
             verdict: ModelVerdict) -> tuple[ModelVerdict, dict[str, Any]] | None:
    """The detector's next ``g.project_next`` classes, projected in turn (in place) and kept
    by ``keep_projection``'s rule; returns the verdict with the kept class first and that
    projection's report, or None with ``model`` as it came. Each try goes to
    ``g.report_["project_next"]``."""
    from trojanscope.mitigate.gated_projection import keep_projection  # it imports this module

    tries: list[dict[str, Any]] = []
    g.report_["project_next"] = {"tries": tries, "action": "none kept: the suspect stays"}
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    for cls in verdict.target_classes[1:1 + g.project_next]:
        trigger = verdict.triggers.get(cls)
        before = proxy_asr(model, trigger, val) if trigger else 0.0
        basis: list = []
        report = project_stripes(model, fit, val, cls, g.probe_eps, g.dense_project,
                                 PROJECT_STOP, kept=basis)
        report["trigger"] = round(proxy_asr(model, trigger, val), 3) if trigger else None
        why = keep_projection(report, before, g.project_kept)
        tries.append({"class": cls, "reach": report.get("reach", [])[:1],
                      "trigger": [round(before, 3), report["trigger"]],
                      "kept": not why})
        if not why:
            g.report_["project_next"]["action"] = (
                f"kept: class {cls}'s stripe projected; it is the suspect now")
            g.stripe_basis_ = basis  # reproject_last's directions
            return suspect_first(verdict, cls), report
        model.load_state_dict(saved)
    return None
