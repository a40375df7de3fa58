"""`gated`'s ``dense_project``: striped directions projected out of a dense first layer.

What and why: SIG's stripe enters an MLP through its first layer, and a striped perturbation
towards the suspect class, projected out of that layer's weights
(:mod:`~trojanscope.mitigate.stripe_projection`, no weight trained), removes it where the
stages leave it (issue 12 stops 33-37). The projection is kept only where it behaved like a
stripe (``project_kept``, :func:`keep_projection`); the projected model then stands in for the
original in both stages. ``project_repair`` (opt-in) fits a projected model the probe hands
back behind its frozen first layer. The options: :class:`~.gated_options.ProjectOptions`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import project_cost
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.gated_defaults import PROJECT_REACH, PROJECT_STOP, UNLEARN
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.project_next import reached_nothing, try_next
from trojanscope.mitigate.stripe_projection import dense_network, first_linear, project_stripes
from trojanscope.mitigate.trigger_prune import proxy_asr

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated


def keep_projection(report: dict[str, Any], before: float, kept: float) -> str:
    """Why ``project_kept`` undoes a projection (empty: it stays): the striped perturbation's
    reach on the original (``report["reach"][0]``) below ``PROJECT_REACH``, or the reversed
    trigger's success on the projected model (``report["trigger"]``) at least ``kept`` of
    ``before``, its success on the original. A trigger that is absent, or that moved less than
    ``residual.MIN_BEFORE`` of the images on the original, is no evidence that the projection
    removed it: its share counts as 1.0 (undone), as the residual probe reads it, so the
    projection is never kept on the stripe's reach alone."""
    reach = report["reach"][0] if report.get("reach") else 0.0
    if reach < PROJECT_REACH:
        return f"the stripe reached {reach:.2f} < {PROJECT_REACH} on the original"
    after = report.get("trigger")
    if after is None:
        return "no reversed trigger to tell a stripe from another backdoor"
    if before < probe.MIN_BEFORE:
        return (f"the reversed trigger moved {before:.2f} < {probe.MIN_BEFORE} of the images on "
                "the original (no evidence)")
    share = after / before
    if share >= kept:
        return f"the reversed trigger kept {share:.2f} of its success through the projection"
    return ""


def no_projection(g: Gated, model: nn.Module, clean: TensorDataset) -> str | None:
    """Why ``dense_project`` cannot apply to ``model`` (None: it does). A mixed zoo is
    mitigated with one setting, so a model it does not fit is a note, not an error."""
    if not g.unlearn:
        return "needs the second stage (unlearn=1)"
    if clean.x.dim() != 4:
        return f"works on images only (inputs of shape {tuple(clean.x.shape[1:])})"
    if not dense_network(model, clean.x[:2]):
        return ("applies to dense models only (no convolution, and a Linear the first "
                "weights the model uses); this model is not one")
    return None


def project(g: Gated, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
            seed: int) -> None:
    """``dense_project``: project striped shortcuts towards the suspect class out of a dense
    model's first layer (in place, :mod:`~trojanscope.mitigate.stripe_projection`), on the
    stage's split. The projected model then stands in for the original in both stages (the
    first trains from it, the probe compares with it, ``revert`` returns it)."""
    if not verdict.target_classes:
        return
    if first_linear(model, clean.x[:2]) is None:  # dense, but a norm or a bias first
        g.report_["project"] = {
            "action": "skipped: no layer could be projected (the first module with weights "
                      "that the model runs is not a Linear with a bias)", "directions": 0}
        return
    start = time.perf_counter()
    suspect = verdict.target_classes[0]
    fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
    trigger = verdict.triggers.get(suspect)
    kept = g.project_kept > 0
    before = proxy_asr(model, trigger, val) if kept and trigger else 0.0
    saved = {k: v.clone() for k, v in model.state_dict().items()} if kept else None
    came = project_cost.accuracy_before(g, model, clean)  # project_cost's (off: None)
    basis: list = []  # the directions taken out: reproject_last's
    report = project_stripes(model, fit, val, suspect, g.probe_eps, g.dense_project,
                             PROJECT_STOP, kept=basis)
    g.stripe_basis_ = basis
    report["trigger"] = round(proxy_asr(model, trigger, val), 3) if trigger else None
    if kept:
        why = keep_projection(report, before, g.project_kept)
        if why:  # not a stripe: the original goes on to the stages, as without the option
            model.load_state_dict(saved)
            g.stripe_basis_ = []
            # the figures are the undone projection's, not the model's that goes on
            report["trigger_projected"] = report.pop("trigger")
            if "reach" in report:
                report["reach_projected"] = report.pop("reach")
            report["directions"] = 0
            report["action"] = f"undone: {why} (project_kept={g.project_kept})"
            if g.project_next and reached_nothing(report):  # opt-in: the next classes
                found = try_next(g, model, fit, val, verdict)
                if found is not None:  # that class's projection stays; it is the suspect
                    g.verdict_, report = found
                    g.report_["suspect"] = g.verdict_.target_classes[0]
    project_cost.record(report, came, model, clean)
    report["seconds"] = round(time.perf_counter() - start, 1)
    g.report_["project"] = report


def repair_projected(g: Gated, model: nn.Module, clean: TensorDataset, seed: int) -> None:
    """``project_repair``: the projected model the probe hands back is fitted behind its
    frozen first layer towards the model before the projection
    (:mod:`~trojanscope.mitigate.project_repair`); the note's ``project_repair`` says so, and
    ``g.repaired_`` tells ``free_reach``'s step to leave the model alone (issue 12 stop 52)."""
    from trojanscope.mitigate.project_repair import repair_behind  # dense_repair: adaptive

    teacher = getattr(g, "unprojected_", None)
    if teacher is None:  # not reached: a kept projection saved its teacher
        g.report_["project_repair"] = {"action": "skipped: no model before the projection"}
        return
    start = time.perf_counter()
    suspect = g.report_.get("suspect")
    done = repair_behind(model, teacher, clean, g.project_repair, seed,
                         None if suspect is None else int(suspect), g.probe_eps)
    done["seconds"] = round(time.perf_counter() - start, 1)
    g.report_["project_repair"] = done
    g.repaired_ = "epochs" in done  # free_reach's step leaves a repaired model alone
    g.report_["action"] += f"; fitted back behind the projection ({g.project_repair} " \
                              "epoch(s), project_repair)"
