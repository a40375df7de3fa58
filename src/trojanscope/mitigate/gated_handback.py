"""`gated`'s residual probe after the first stage: run the second stage, or hand a model back.

What and why: the second stage costs a clean model accuracy, so it runs only where a probe on
the held-back clean images (:mod:`~trojanscope.mitigate.residual`) says a backdoor is left to
work on. Where it finds none the original (or the projected) model comes back (``revert``);
``sure``, ``hand_check`` and ``hand_projected`` overrule the probe where the detector is sure
and the reversed trigger still works; ``weak_first`` hands the first stage's model back on weak
evidence; ``revert_stripe`` reads another class's stripe first; ``project_repair`` fits a
projected model handed back (:mod:`~trojanscope.mitigate.nothing_left`); ``first_read`` and
``held_pick`` keep the first stage's model aside there (:mod:`~trojanscope.mitigate.first_read`,
:mod:`~trojanscope.mitigate.held_pick`); ``hand_dark`` runs the stage on a flagged dense model
whose reversed trigger is a darkening that still works (:mod:`~trojanscope.mitigate.hand_dark`);
``dense_fall`` reads only the trigger's fall where ``dense_gate`` opened
(:mod:`~trojanscope.mitigate.dense_fall`).
The options: :class:`~.gated_options.ProbeOptions`.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.after_steps import keeps_first
from trojanscope.mitigate.dense_fall import stripe_only
from trojanscope.mitigate.dense_options import dense_scope
from trojanscope.mitigate.hand_dark import runs_stage
from trojanscope.mitigate.nothing_left import (
    after_nothing_left,
    projected_responds,
    still_responds,
    weak_evidence,
)
from trojanscope.mitigate.project_cost import FLIP, first_instead
from trojanscope.mitigate.revert_stripe import restriped

if TYPE_CHECKING:
    from trojanscope.mitigate.gated import Gated


def hand_back(g: Gated, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
              original: nn.Module, seed: int, fit: TensorDataset, val: TensorDataset,
              triggers: list[ReversedTrigger], ranked: list[int],
              start: float) -> nn.Module | None:
    """The residual probe after the first stage, and the model handed back without the second
    stage where it finds no backdoor left (or only weak evidence of one); None: the second
    stage runs. ``fit``/``val``: the stage's split; ``start``: when the stage began (its
    seconds go to the report on a hand-back)."""
    left = probe.residual(model, original, fit, val, triggers, ranked[0],
                         g.probe_eps)
    g.report_["residual"] = left
    p = float(verdict.probability or 0.0)
    counts = g.kept_p <= 0 or p >= g.kept_p  # below kept_p, kept opens nothing
    kept = g.kept if counts else 0.0
    why = (f"trigger kept {left['kept']:.2f} >= {g.kept}" if counts else
           f"trigger kept {left['kept']:.2f}, not counted at p={p:.3f} < kept_p "
           f"{g.kept_p}")
    projected = bool(g.report_.get("project", {}).get("directions"))
    nothing = not probe.backdoor_left(left, kept, g.residual) or stripe_only(g, left, g.kept)
    costly = projected and nothing and first_instead(  # project_cost (off: False)
        g, original, clean, verdict.triggers.get(ranked[0]))
    choice = after_nothing_left(projected, p, project_first=g.project_first or costly,
                                sure=g.sure)
    weak = not nothing and weak_evidence(left, g.weak_first, g.residual)
    handing = weak or (nothing and choice == "revert")  # a hand-back without the stage
    responds = handing and still_responds(left, p, projected=projected,
                                          bar=g.hand_check)
    still = nothing and choice == "revert" and not responds and projected_responds(
        left, p, projected=projected, bar=g.hand_check, floor=g.hand_projected)
    dark = (nothing and choice == "revert" and not responds and not still  # hand_dark
            and runs_stage(g, left, verdict, ranked[0], dense_scope(g, model, clean), projected))
    if still and g.projected_undo:  # _purify_undo runs both stages again
        g.undo_ = True
        g.report_["hand_check"] = (
            f"the projected model not handed back: p={p:.3f} >= hand_check "
            f"{g.hand_check}, the reversed trigger sent {left['trigger_before']:.2f} "
            f">= hand_projected {g.hand_projected} on it; the projection is undone")
        return original
    if still:
        g.report_["hand_check"] = (
            f"not handed back: the detector rated p={p:.3f} >= hand_check "
            f"{g.hand_check} and the reversed trigger still sent "
            f"{left['trigger_before']:.2f} >= hand_projected {g.hand_projected} of "
            "the held-back images on the projected model; the second stage runs")
        responds = True
    elif dark:  # the note hand_dark says why (hand_dark.py)
        responds = True
    elif responds:
        g.report_["hand_check"] = (
            f"not handed back: the detector rated p={p:.3f} >= hand_check "
            f"{g.hand_check} and the reversed trigger still sent "
            f"{left['trigger_after']:.2f} of the held-back images after the first "
            "stage; the second stage runs")
    elif weak:
        back = ("the model as it came to the second stage is returned (dense_then=0: "
                "no first stage ran)" if "first_stage" in g.report_ else
                "the first stage's model is returned")
        g.report_["unlearn"] = {"suspects": ranked, "action": (
            f"skipped: weak evidence (the reversed trigger sent "
            f"{left['trigger_before']:.2f} < weak_first {g.weak_first} of the images "
            f"before the first stage, perturbation {left['perturbation']:.2f} < "
            f"{g.residual}); {back}")}
        g.report_["unlearn_s"] = round(time.perf_counter() - start, 1)
        return model
    if nothing and choice == "stage":
        g.report_["overruled"] = (
            f"the probe found no backdoor left ({why}, perturbation "
            f"{left['perturbation']:.2f} < {g.residual}), but the detector rated "
            f"p={p:.3f} >= sure {g.sure}: the second stage runs")
    elif nothing and not responds:
        if choice == "first":
            because = "project_first=1" if g.project_first else (
                f"the projection cost {g.report_['project']['cost']:.3f} >= project_cost "
                f"{g.project_cost} of the clean images' accuracy and the reversed trigger "
                f"sends {g.report_['project']['flip']:.3f} < {FLIP} on the projected model")
            g.report_["unlearn"] = {"suspects": ranked, "action": (
                f"skipped: no backdoor left to unlearn ({why}, perturbation "
                f"{left['perturbation']:.2f} < {g.residual}); the first stage's "
                f"model is returned, not the projected one ({because})")}
            g.report_["action"] = (
                f"treated: striped direction(s) projected out of the first layer; "
                f"{g.then} ran from the projected model and the probe found no "
                "backdoor left; the first stage's model is returned")
            g.report_["unlearn_s"] = round(time.perf_counter() - start, 1)
            return model
        undo = g.revert and not g.force
        if (undo and not projected and g.revert_stripe > 0
                and "revert_stripe" not in g.report_ and dense_scope(g, model, clean)):
            other = restriped(model, original, fit, val, verdict, g.probe_eps,
                              g.revert_stripe, g.residual)
            g.report_["revert_stripe"] = {**other, "residual": left}
            if other.get("suspect") is not None:  # the probe reads again with it
                verdict.target_classes = [other["suspect"]] + [
                    c for c in verdict.target_classes if c != other["suspect"]]
                g.report_["suspect"] = other["suspect"]
                return g._unlearn(model, clean, verdict, original, seed)
        back = (f" (reverted to the {'projected' if projected else 'original'} model)"
                if undo else "")
        stripe = (f"perturbation {left['perturbation']:.2f} not counted: dense_fall"
                  if "dense_fall" in g.report_ and left["perturbation"] >= g.residual else
                  f"perturbation {left['perturbation']:.2f} < {g.residual}")
        g.report_["unlearn"] = {"suspects": ranked, "action": (
            f"skipped: no backdoor left to unlearn ({why}, {stripe}; kept=1.01 runs it "
            f"anyway){back}")}
        g.report_["unlearn_s"] = round(time.perf_counter() - start, 1)
        if not undo:
            return model
        ran = ("the first stage was skipped (dense_then=0)"
               if "first_stage" in g.report_ else f"{g.then} ran")
        g.report_["action"] = (f"not treated: {ran}, but the probe "
                                  "found no backdoor; the original is returned")
        if projected:
            g.report_["action"] = (
                f"treated: striped direction(s) projected out of the first layer; "
                f"{g.then} ran, but the probe found no backdoor left; the projected "
                "model is returned")
        for prm in original.parameters():  # the frozen reference, handed back as the
            prm.requires_grad_(True)       # copy every other path returns
        if projected and g.project_repair:  # opt-in: off, the projected model as is
            g._repair_projected(original, clean, seed)
        elif projected and keeps_first(g):  # an after-step reads it (after_steps.py)
            g.first_kept_ = copy.deepcopy(model).eval()
        return original
    return None
