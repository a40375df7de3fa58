"""Take the kept stripe directions out of the output's first layer again, last: ``reproject_last``.

Why (issue 12, stop 80: h12s): on a SIG MLP `gated` projects striped directions towards the
suspect out of the first layer (``dense_project``), the probe then usually finds nothing left
and the *projected* model comes back, and ``teach_last`` fits it towards the input model's clean
outputs. The input model answers the stripe, and the fit trains the first layer freely, so it
grows weight back along the directions the projection took out: on spent zoos 2521/2524 two SIG
MLPs went from 0.0-0.1% ASR before ``teach_last`` to 2.1-2.2% after it. Here, after every other
step, the same unit directions are projected out of a copy of the output's first layer once more
(:func:`~trojanscope.mitigate.stripe_projection.project_out`, its bias keeping the output on the
clean images' mean input; no weight trained). What grew back can also resist the stripe (the
steps unlearn pushed copies too), and taking it out then lets more through (spent 2523/sig-010:
1.25% -> 3.06% ASR); so the copy is kept only where the strongest stripe towards the suspect
(:func:`~trojanscope.mitigate.residual.striped_perturbation`, searched on each model) gives the
suspect no more mean probability on the method's clean images than on the output. It runs only
where a projection was kept in this run; elsewhere the output is left as it is, bit for bit. It
reads the directions the method found itself and its clean images, never the attacker's trigger.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.engine.metrics import predict
from trojanscope.mitigate.after_steps import AfterState
from trojanscope.mitigate.residual import MAX_FIT, striped_perturbation
from trojanscope.mitigate.step_note import step_note
from trojanscope.mitigate.stripe_projection import first_linear, layer_inputs, project_out


def stripe_pull(model: nn.Module, x: Tensor, suspect: int, eps: float) -> float:
    """The mean probability ``model`` gives ``suspect`` on ``x`` moved by the striped
    perturbation (at most ``eps`` per pixel) searched on ``model`` towards it."""
    delta = striped_perturbation(model, x, suspect, eps)
    with torch.no_grad():
        return float(torch.softmax(predict(model, (x + delta).clamp(0, 1)), 1)[:, suspect].mean())


def reprojected(model: nn.Module, basis: list[Tensor], x: Tensor) -> nn.Module | None:
    """A copy of ``model`` with each direction of ``basis`` projected out of its first layer
    (its mean input read on ``x``); None where it has no first layer the directions fit."""
    out = copy.deepcopy(model).eval()
    layer = first_linear(out, x[:2])
    if layer is None or layer.weight.shape[1] != basis[0].numel():
        return None
    mean_input = layer_inputs(out, layer, x).mean(0)
    for u in basis:
        project_out(layer, u, mean_input)
    return out


def after_step(gated: Any, state: AfterState) -> nn.Module:
    """The registered step (:mod:`~trojanscope.mitigate.after_steps`): where this run kept a
    stripe projection (``gated.stripe_basis_``) and the detector named a suspect, the output
    with its directions projected out of the first layer again, where that does not raise the
    strongest stripe's pull towards the suspect; otherwise the output as it came. The note
    ``reproject_last`` gives the directions, how much weight had grown back along them
    (``regrown``: ``|W u|`` over ``|W|`` each), the pull before and after, and the action."""
    basis = getattr(gated, "stripe_basis_", None) or []
    out, clean = state.out, state.clean
    suspect = gated.report_.get("suspect")
    if not basis or suspect is None:
        gated.report_["reproject_last"] = {"action": "none: no stripe projection was kept"}
        return out
    with step_note(gated, "reproject_last") as note:
        again = reprojected(out, basis, clean.x)
        if again is None:
            note["action"] = "none: the output has no first layer the directions fit"
            return out
        w = first_linear(out, clean.x[:2]).weight.detach()
        note["regrown"] = [round(float((w @ u).norm() / w.norm()), 4) for u in basis]
        xs = clean.x[clean.y != int(suspect)][:MAX_FIT]
        pull = [stripe_pull(m, xs, int(suspect), gated.probe_eps) for m in (out, again)]
        note.update(directions=len(basis), pull=[round(p, 4) for p in pull])
        if pull[1] > pull[0]:
            note["action"] = ("none: without the grown-back weight the stripe pulls harder "
                              "towards the suspect; the output is kept")
            return out
        out.load_state_dict(again.state_dict())
        note["action"] = "the kept stripe directions projected out of the first layer again"
    return out.eval()
