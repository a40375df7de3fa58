"""`gated`'s second stage: unlearn what the detector recovered, then check and widen it.

What and why: FT-SAM, the first stage, leaves SIG and patch backdoors on our zoos. The second
stage (:meth:`~trojanscope.mitigate.adaptive.Adaptive.unlearn`) fine-tunes the model on the
clean images, copies stamped with the detector's reversed triggers and copies moved by striped
universal perturbations (and a universal warp, ``warp``) towards the suspect classes, all under
their true labels, with distillation and the CA guard. After it, ``candidates`` unlearns the
classes whose triggers came back, ``check`` keeps the first stage's model where the second left
it worse (:mod:`~trojanscope.mitigate.accept`), and ``residue`` may add rounds. The hand-back
before it: :mod:`~trojanscope.mitigate.gated_handback`. The options:
:class:`~.gated_stage_options.StageOptions`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate import accept, conv_fast, conv_lean, dark_rounds, round_stop
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.dense_first import first_layer_only
from trojanscope.mitigate.dense_options import dense_scope
from trojanscope.mitigate.gated_defaults import (
    CANDIDATES,
    GUARD_TRIPS,
    RISE_ALL,
    UNLEARN,
    WARP_REACH,
)
from trojanscope.mitigate.gated_handback import hand_back
from trojanscope.mitigate.guard import convolutional, hold_back
from trojanscope.mitigate.stripe_projection import dense_network
from trojanscope.mitigate.universal_warp import warp_reach

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated


def stage_settings(g: Gated, model: nn.Module, clean: TensorDataset) -> dict[str, Any]:
    """The second stage's :class:`~trojanscope.mitigate.adaptive.Adaptive` arguments for
    ``model``: ``UNLEARN`` with this method's ``eps``, ``rounds`` and ``stripes``;
    ``guard_budget`` as its ``ca_budget`` under ``guard_hold``; ``dense_lr`` on a dense
    network; on a dense image model ``dense_rounds``'s cap, or with ``dense_stop`` its
    ``stop_trigger`` and ``dense_rounds`` as the safety net (or ``round_stop``'s reading under
    today's cap), and ``dense_near`` as its
    ``near``; on a model with a convolution ``fast_conv``'s cap and ``conv_stop``'s reading."""
    from trojanscope.mitigate.adaptive import REL_LR  # it imports this module

    settings: dict[str, Any] = {**UNLEARN, "eps": g.eps, "rounds": g.rounds,
                                "stripes": g.stripes}
    if g.held_ is not None:
        settings["ca_budget"] = g.guard_budget
    if g.guard_trips != GUARD_TRIPS:  # the default: Adaptive's own, nothing passed
        settings["trips"] = g.guard_trips
    if not convolutional(model):  # a dense network: dense_lr applies
        settings["rel_lr"] = REL_LR * g.dense_lr
    if dense_scope(g, model, clean):  # a dense image model: dense_rounds caps the rounds
        rounds = settings["rounds"]
        settings["rounds"] = int(min(rounds, g.dense_rounds or rounds))
        if g.dense_stop is not None:  # dense_stop reads when to stop; the cap a net
            settings["rounds"] = int(g.dense_rounds or g.rounds)
            settings["stop_trigger"] = float(g.dense_stop)
        round_stop.stage(g, settings)  # round_stop's reading (off: nothing)
        dark_rounds.stage(g, settings)  # more rounds on a darkening (off: nothing)
        if g.dense_near:  # distil on unlabelled neighbours of the clean images too
            settings["near"] = int(g.dense_near)
            settings["near_mix"] = g.near_mix
            settings["near_free"] = g.near_free
    return conv_fast.stage(g, model, settings)  # fast_conv's cap, conv_stop's reading


def unlearn(g: Gated, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
            original: nn.Module, seed: int) -> nn.Module:
    """The second stage: unlearn what the detector recovered for its suspect classes (their
    reversed triggers) and striped universal perturbations towards them, with distillation
    towards ``original`` and the validation guard (:meth:`Adaptive.unlearn`)."""
    from trojanscope.mitigate.adaptive import Adaptive  # it imports this module

    start = time.perf_counter()
    stage = Adaptive(**g._stage_settings(model, clean))
    stage.lean = conv_lean.lean(g, model)  # the same model, less work nothing reads
    ranked = verdict.target_classes[: stage.suspects]
    triggers = [verdict.triggers[c] for c in ranked if c in verdict.triggers]
    fit, val, gx, gy = hold_back(model, clean, stage.val_fraction, seed)  # the stage's split
    if g.kept <= 1.0 and ranked:  # the probe: a model handed back skips the stage
        back = hand_back(g, model, clean, verdict, original, seed, fit, val, triggers, ranked,
                         start)
        if back is not None:
            return back
    if g.warp > 0 and ranked:  # after the residual probe: a model it hands back skips it
        reach = warp_reach(original, fit.x, val.x, ranked[0], g.warp)
        g.report_["warp_reach"] = round(reach, 3)
        stage.warp = g.warp if reach >= WARP_REACH else 0.0
    stage.report_ = {}
    first = frozen_copy(model) if g.check or g.candidates else None
    g.first_stage_ = first  # the first stage's model: what the check falls back to
    g.teacher_ = g._teacher(model, clean, original)
    stage.extra_callbacks = g.dense_options_.pull(model, g.dense_layer_, original)
    with first_layer_only(model, g.dense_layer_):
        model = stage.unlearn(model, clean, triggers, ranked, seed,
                              torch.Generator().manual_seed(seed), reference=original,
                              guard=g.held_, teacher_model=g.teacher_)
    g.report_["unlearn"] = {k: stage.report_.get(k) for k in
                               ("suspects", "proxy_asr", "rounds", "action")}
    for key in ("trigger_left", "guard_floor"):  # dense_stop's readings, guard_hold's floor
        if key in stage.report_:
            g.report_["unlearn"][key] = stage.report_[key]
    g.report_["unlearn"]["suspects"] = ranked
    if g.candidates and first is not None:
        pool = [verdict.triggers[c] for c in verdict.target_classes[:CANDIDATES]
                if c in verdict.triggers]
        flips = accept.flip_rates(first, model, pool, val)
        risen = [c for c, (b, a) in flips.items()
                 if c not in ranked and a - b >= RISE_ALL - accept.TOLERANCE]
        g.report_["candidates"] = {
            "flip": {c: [round(b, 3), round(a, 3)] for c, (b, a) in flips.items()},
            "risen": risen}
        if risen and not g.dense_candidates and dense_scope(g, model, clean):
            g.report_["candidates"]["again"] = {"action": (
                "skipped: dense_candidates=0 (a dense image model: the risen classes are "
                "measured, not unlearnt)")}
        elif risen:
            ranked = ranked + risen
            triggers = [verdict.triggers[c] for c in ranked if c in verdict.triggers]
            if g.warp_candidates and g.warp > 0 and not stage.warp:
                reach = max(warp_reach(original, fit.x, val.x, c, g.warp) for c in risen)
                g.report_["candidates"]["warp_reach"] = round(reach, 3)
                stage.warp = g.warp if reach >= WARP_REACH else 0.0
            model = g._again(model, stage, clean, triggers, ranked, original, seed)
        triggers = pool  # the check reports every candidate's trigger, judges ranked's
    if g.check and first is not None and (g.dense_check or convolutional(model)):
        seen = accept.compare(first, model, fit, val, gx, gy, triggers, ranked,
                              judge_reach=g.dense_reach
                              or not dense_network(model, val.x[:2]),
                              read=conv_fast.check_classes(g, model, verdict, ranked),
                              lean=stage.lean)
        g.report_["check"] = seen
        if seen["worse"]:
            g.report_["unlearn"]["action"] = (
                f"undone: the second stage left the model worse than the first stage "
                f"({seen['worse']}); the first stage's model is returned")
            model.load_state_dict(first.state_dict())
    if g.residue > 0 and ranked and ranked[0] in verdict.triggers and not str(
            g.report_["unlearn"].get("action", "")).startswith("undone"):
        model = g._residue(model, stage, clean, verdict, ranked, original, seed)
    g.report_["unlearn_s"] = round(time.perf_counter() - start, 1)
    return model


def teacher(g: Gated, model: nn.Module, clean: TensorDataset,
            original: nn.Module) -> nn.Module | None:
    """``dense_teacher``: the model the second stage distils on a dense image model, a
    frozen copy of ``model`` as it comes to the stage where ``original`` classifies fewer
    than ``dense_teacher`` of ``clean``'s images; None: ``original``, as without it."""
    if not (g.dense_teacher > 0 and dense_scope(g, model, clean)):
        return None
    acc = accuracy(original, clean.x, clean.y)
    first = acc < g.dense_teacher
    g.report_["dense_teacher"] = {
        "original_accuracy": round(acc, 4),
        "teacher": "the first stage's model" if first else "the original"}
    return frozen_copy(model) if first else None


def again(g: Gated, model: nn.Module, stage: Any, clean: TensorDataset,
          triggers: list[ReversedTrigger], ranked: list[int], original: nn.Module,
          seed: int) -> nn.Module:
    """The second stage once more, from its own model, on ``ranked`` (the suspect and the
    candidate classes whose triggers came back); its seconds go to the report."""
    start = time.perf_counter()
    stage.report_ = {}
    with first_layer_only(model, g.dense_layer_):
        model = stage.unlearn(model, clean, triggers, ranked, seed,
                              torch.Generator().manual_seed(seed + 1), reference=original,
                              guard=g.held_, teacher_model=g.teacher_)
    g.report_["candidates"]["again"] = {k: stage.report_.get(k) for k in
                                           ("proxy_asr", "rounds", "action")}
    if "trigger_left" in stage.report_:  # dense_stop's readings
        g.report_["candidates"]["again"]["trigger_left"] = stage.report_["trigger_left"]
    g.report_["candidates"]["again"]["seconds"] = round(time.perf_counter() - start, 1)
    g.report_["unlearn"]["suspects"] = ranked
    return model
