"""What `gated` does after its two stages: ``residue``, ``margin``, ``dense_repair`` (opt-in).

What and why: on MNIST MLPs the stages leave some backdoored models at 2-5% ASR, or purified but
a few points of accuracy down (issue 12 stops 46-48). Three answers were built and measured
(none met its rule, so all are off by default): one more round of the stage where a fresh
trigger search still works (``residue``), the suspect's logit lowered by as little as brings its
pull down (``margin``), and a fit back towards the input model's clean function
(``dense_repair``). The options: :class:`~.gated_stage_options.AfterOptions`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate.base import same_state
from trojanscope.mitigate.dense_first import first_layer_only
from trojanscope.mitigate.dense_options import dense_scope
from trojanscope.mitigate.fresh_residue import residue_left, residue_reading
from trojanscope.mitigate.gated_defaults import UNLEARN
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.suspect_margin import MIN_CLASSES, choose_margin, held_cap, lower_suspect

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated


def run_residue(g: Gated, model: nn.Module, stage: Any, clean: TensorDataset,
                verdict: ModelVerdict, ranked: list[int], original: nn.Module,
                seed: int) -> nn.Module:
    """``residue``: while a fresh search on the purified model finds the suspect's trigger
    at most ``residue`` times the first trigger's mask, working on the held-back images
    (:func:`~trojanscope.mitigate.fresh_residue.residue_left`), one more round of the
    stage with that trigger added, at most ``residue_rounds`` times; a model where it
    finds none is left as it is (the search trains nothing)."""
    start = time.perf_counter()
    fit, val, _, _ = hold_back(model, clean, stage.val_fraction, seed)  # the stage's split
    first = verdict.triggers[ranked[0]]
    base = [verdict.triggers[c] for c in ranked if c in verdict.triggers]
    gen = torch.Generator().manual_seed(seed + 2)
    readings: list[dict[str, Any]] = []
    extra = 0
    rounds = stage.rounds
    while True:
        reading, fresh = residue_reading(model, first, fit, val, gen)
        readings.append(reading)
        if extra >= g.residue_rounds or not residue_left(reading, g.residue):
            break
        stage.rounds, stage.report_ = 1, {}
        with first_layer_only(model, g.dense_layer_):
            model = stage.unlearn(model, clean, [*base, fresh], ranked, seed,
                                  torch.Generator().manual_seed(seed + 3 + extra),
                                  reference=original, guard=g.held_,
                                  teacher_model=g.teacher_)
        stage.rounds = rounds
        extra += 1
    g.report_["residue"] = {"readings": readings, "rounds": extra,
                               "seconds": round(time.perf_counter() - start, 1)}
    return model


def apply_margin(g: Gated, model: nn.Module, clean: TensorDataset,
                 came: dict[str, torch.Tensor], seed: int) -> None:
    """``margin``: lower the suspect class's logit on a dense image model that `gated`
    changed (:mod:`~trojanscope.mitigate.suspect_margin`); a model handed back as it came
    (gated out, or reverted to the original) is left alone, so is every other kind."""
    suspect = g.report_.get("suspect")
    if not dense_scope(g, model, clean):
        if g.margin_asked_:  # the default says nothing where it does not apply
            g.report_["margin"] = "skipped: dense image models only"
        return
    if same_state(model.state_dict(), came):
        g.report_["margin"] = "skipped: the model comes back as it came"
        return
    if suspect is None:  # force=1 with unlearn=0: the detector did not run
        g.report_["margin"] = "skipped: no suspect class (the detector named none)"
        return
    shift: float | None = g.margin
    read = None
    if g.margin_pull > 0:  # as little as brings the suspect's pull down to the bar
        shift, read = choose_margin(model, clean.x, clean.y, int(suspect), g.margin,
                                    g.margin_pull, seed)
    if shift is None:
        g.report_["margin"] = (f"skipped: the pull needs at least {MIN_CLASSES} classes; "
                                  "margin_pull=0 lowers by margin itself")
        return
    lost = None
    if g.margin_held and shift > 0:  # capped where it first costs a held-back image
        val = hold_back(model, clean, UNLEARN["val_fraction"], seed)[1]  # the stage's split
        shift, lost = held_cap(model, val.x, val.y, int(suspect), shift)
    note = (lower_suspect(model, clean.x[:2], int(suspect), shift) if shift > 0 else
            f"none: the pull {read} is at most margin_pull {g.margin_pull} already"
            if lost is None else
            f"none: the first step cost a held-back image (margin_held=1, lost {lost})")
    seen: dict[str, Any] = {"action": note}
    if read is not None:
        seen["pull"] = read
    if lost is not None:
        seen["held_lost"] = lost
    g.report_["margin"] = note if len(seen) == 1 else seen


def repair_dense(g: Gated, model: nn.Module, teacher: nn.Module, clean: TensorDataset,
                 seed: int) -> None:
    """``dense_repair``: give a dense image model the stages changed back the clean
    function they cost it (:mod:`~trojanscope.mitigate.dense_repair`; ``teacher``: the
    model as it came; the detector's suspect left free on the neighbours); a model handed
    back as it came is left alone."""
    if same_state(model.state_dict(), teacher.state_dict()):
        g.report_["repair"] = "skipped: the model comes back as it came"
        return
    from trojanscope.mitigate.dense_repair import repair  # via adaptive, which imports this

    start = time.perf_counter()
    for prm in model.parameters():
        prm.requires_grad_(True)
    suspect = g.report_.get("suspect")
    found = getattr(g, "verdict_", None)
    trigger = found.triggers.get(suspect) if found is not None and suspect is not None \
        else None
    repair(model, teacher, clean, int(g.dense_repair), seed,
           free=None if suspect is None else [int(suspect)],
           triggers=[trigger] if trigger is not None else None)
    g.report_["repair"] = {"epochs": int(g.dense_repair),
                              "seconds": round(time.perf_counter() - start, 1)}
