"""Gated mitigation: ask the model-level detector first, treat only what it flags.

Every method that trains on 200 clean images costs a clean model 1-7 points of accuracy
(docs/benchmarks.md, "Mitigation (issue 12)"), so the only way to keep clean models whole is
not to touch them. The calibrated detector (``detect`` auto by default) rates the model; below
``gate`` the model comes back unchanged, with a note saying so and the probability, and at or
above it the ``then`` method (FT-SAM by default; on an image model without a convolution at
half its radius, ``dense_rho``) purifies it. ``force`` skips the question.

FT-SAM leaves SIG and patch (BadNets) backdoors on our zoos; with ``unlearn=1`` (the default)
a flagged model then goes through a second stage, when a probe on held-back clean images
(:mod:`trojanscope.mitigate.residual`) says a backdoor is there to work on (otherwise, with
``revert=1``, the original model comes back unchanged): the detector's suspect class and,
where it has one, its reversed trigger are what it found; the model is fine-tuned on the
clean samples, copies stamped with that trigger and copies moved by a universal perturbation
towards the suspect class (striped: one row repeated down the image, SIG's shape; at most
``eps`` per pixel, re-optimised against the model every batch), all under their true labels,
with distillation towards the original model's clean outputs and the validation guard
(:meth:`~trojanscope.mitigate.adaptive.Adaptive.unlearn`). With ``check=1`` (the default) the
second stage's model is then compared with the first stage's on the held-back images
(:mod:`trojanscope.mitigate.accept`), and the first stage's comes back when the second left
it worse (on a dense network judged by accuracy and the suspects' triggers
only, ``dense_reach=0``). With ``candidates=1`` (the default) the reversed triggers of all
the detector's top candidate classes are measured before that check, and every class whose
trigger came back through the stage is unlearnt too (the suspect is not always the target: a
WaNet model's target was the detector's second class); on a dense image model (an MLP)
those classes are reported, not unlearnt (``dense_candidates=0``, the default since issue 12
stop 47). With ``warp=4`` (the default) the
second stage also unlearns a universal smooth warp towards the suspect class where such a warp
reaches it on the original model (a warping backdoor: WaNet),
:mod:`trojanscope.mitigate.universal_warp`. On a dense image model (an MLP) striped
directions towards the suspect class are first projected out of the first layer
(``dense_project=2``) and the projection kept only where the reversed trigger lost much of its
success through it (``project_kept=0.72``: a SIG stripe, not a patch), the default since a
fresh seed-2402 zoo (issue 12 stop 37). Before a flagged model is handed back without the second
stage, ``hand_check=0.9`` (the default since issue 12 stop 46) runs the stage instead where the
detector is sure, no projection was kept and the reversed trigger still works on the first
stage's model (:func:`~trojanscope.mitigate.nothing_left.still_responds`); on a dense image model
``hand_dark=1`` (the default since issue 12 stop 79) does the same at any p where the reversed
trigger is a darkening, a black mask's (:mod:`~trojanscope.mitigate.hand_dark`), and where the
reversed trigger is such a darkening the second stage runs ``dark_rounds=8`` rounds instead of
six (the default since issue 12 stop 81; :mod:`~trojanscope.mitigate.dark_rounds`). A dense image
model that ``stripe_gate`` or ``dense_gate`` opened below the gate comes back before the first
stage where the projection read no stripe in it and it is well fitted (``fit_back=0.86``, the
default since issue 12 stop 81; :mod:`~trojanscope.mitigate.fit_back`). Last, on a dense
image model it changed, ``margin=1`` (opt-in, issue 12 stop 47) lowers the suspect class's logit
by as little as brings its pull on mixed clean images down
(:mod:`~trojanscope.mitigate.suspect_margin`): aimed at the 2-5% residues the stages leave.

Where each part lives (issue 12 stop 50: the one 1,285-line file split, behaviour unchanged):
the defaults and the evidence behind them in :mod:`~trojanscope.mitigate.gated_defaults`; the
options, checked and explained, in :mod:`~trojanscope.mitigate.gated_options` (gate, probe,
projection) and :mod:`~trojanscope.mitigate.gated_stage_options` (second stage, after it) and
:mod:`~trojanscope.mitigate.dense_options` (the first stage on a dense model); the stripe gate in
:mod:`~trojanscope.mitigate.gated_stripe_gate`; the projection in
:mod:`~trojanscope.mitigate.gated_projection`; the probe and hand-back in
:mod:`~trojanscope.mitigate.gated_handback`; the second stage in
:mod:`~trojanscope.mitigate.gated_unlearn`; ``residue``, ``margin`` and ``dense_repair`` in
:mod:`~trojanscope.mitigate.gated_after`. This module keeps the method: its options, and the
order in which the stages run.
"""

from __future__ import annotations

import copy
import time
from dataclasses import fields
from typing import Any, ClassVar

import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.detect.calibration import calibrate
from trojanscope.mitigate import (
    conv_fast,
    conv_gate,
    conv_lean,
    gated_after,
    gated_projection,
    gated_unlearn,
)
from trojanscope.mitigate.base import Mitigation, frozen_copy
from trojanscope.mitigate.dark_rounds import DARK_ROUNDS
from trojanscope.mitigate.dense_back import DENSE_BACK, back_share
from trojanscope.mitigate.dense_fall import DENSE_FALL
from trojanscope.mitigate.dense_first import first_layer_only
from trojanscope.mitigate.dense_gate import DENSE_GATE, dense_opens
from trojanscope.mitigate.dense_options import DenseOptions, applies, dense_scope, option
from trojanscope.mitigate.fit_back import FIT_BACK, fits_back
from trojanscope.mitigate.gated_after import same_state
from trojanscope.mitigate.gated_defaults import (
    CANDIDATES,
    DEFAULT_GATE,
    DENSE_CANDIDATES,
    DENSE_NEAR,
    DENSE_PROJECT,
    DENSE_ROUNDS,
    DENSE_TEACHER,
    GUARD_BUDGET,
    GUARD_TRIPS,
    HAND_CHECK,
    HAND_DARK,
    KEPT,
    MARGIN,
    MARGIN_MOST,
    MARGIN_PULL,
    NEAR_FREE,
    PROBE_EPS,
    PROJECT_KEPT,
    PROJECT_REACH,
    PROJECT_STOP,
    RESIDUAL,
    RESIDUE_ROUNDS,
    RISE_ALL,
    STRIPE_GATE,
    UNLEARN,
    WARP,
    WARP_REACH,
)
from trojanscope.mitigate.gated_options import GateOptions, ProbeOptions, ProjectOptions
from trojanscope.mitigate.gated_projection import keep_projection
from trojanscope.mitigate.gated_stage_options import AfterOptions, StageOptions
from trojanscope.mitigate.gated_stripe_gate import stripe_opens
from trojanscope.mitigate.given_suspect import check_suspect, given_first
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.held_guard import set_apart
from trojanscope.mitigate.nothing_left import WEAK
from trojanscope.mitigate.project_cost import PROJECT_COST
from trojanscope.mitigate.read_least import READ_LEAST, read_words, reading_set
from trojanscope.mitigate.round_stop import ROUND_STOP
from trojanscope.mitigate.stages_replaced import StagesReplaced
from trojanscope.registry import register

# what other modules and scripts import from here (the defaults moved to gated_defaults)
__all__ = ["CANDIDATES", "DEFAULT_GATE", "DENSE_CANDIDATES", "DENSE_NEAR", "DENSE_PROJECT",
           "DENSE_ROUNDS", "DENSE_TEACHER", "GUARD_BUDGET", "GUARD_TRIPS", "HAND_CHECK",
           "HAND_DARK", "KEPT", "MARGIN", "MARGIN_MOST", "MARGIN_PULL", "NEAR_FREE", "PROBE_EPS",
           "PROJECT_KEPT", "PROJECT_REACH", "PROJECT_STOP", "RESIDUAL", "RESIDUE_ROUNDS",
           "RISE_ALL", "STRIPE_GATE", "UNLEARN", "WARP", "WARP_REACH", "Gated",
           "detector_probability", "detector_verdict", "keep_projection", "same_state"]


def detector_verdict(name: str, model: nn.Module, clean: TensorDataset, seed: int,
                     params: dict[str, Any] | None = None) -> ModelVerdict:
    """The calibrated verdict of detector ``name`` (with ``params``, e.g. ``conv_early``'s) on
    ``model`` (its probability that the model is backdoored, and its classes ranked most
    suspicious first)."""
    return calibrate(registry.create("detector", name, **(params or {})).inspect(
        model, clean, input_shape=clean.input_shape, num_classes=None, seed=seed))


def detector_probability(name: str, model: nn.Module, clean: TensorDataset,
                         seed: int) -> tuple[float, list[int]]:
    """The calibrated probability of detector ``name`` that ``model`` is backdoored, and its
    classes ranked most suspicious first."""
    verdict = detector_verdict(name, model, clean, seed)
    return float(verdict.probability or 0.0), list(verdict.target_classes)



@register("mitigation", "gated")
class Gated(Mitigation):
    """Detector-gated mitigation: a model the detector rates clean comes back unchanged.

    The options, each with its range, its default and the evidence behind it, are documented
    in their groups: :class:`~trojanscope.mitigate.gated_options.GateOptions` (``detector``,
    ``gate``, ``then``, ``force``, ``suspect``, ``stripe_gate``, ``stripe_top``, ``stripe_eps``,
    ``conv_gate``, ``conv_gap``, ``dense_gate``, ``dense_back``, ``dense_fall``, ``fit_back``),
    :class:`~trojanscope.mitigate.gated_options.ProbeOptions` (``kept``, ``residual``,
    ``probe_eps``, ``kept_p``, ``sure``, ``project_first``, ``project_cost``, ``weak_first``,
    ``hand_check``,
    ``revert_stripe``, ``revert``, ``hand_projected``, ``projected_undo``, ``hand_dark``),
    :class:`~trojanscope.mitigate.gated_options.ProjectOptions` (``dense_project``,
    ``project_kept``, ``project_repair``, ``project_next``),
    :class:`~trojanscope.mitigate.gated_stage_options.StageOptions` (``unlearn``, ``eps``,
    ``rounds``, ``stripes``, ``check``, ``candidates``, ``hold``, ``guard_hold``,
    ``guard_budget``, ``guard_trips``, ``warp``, ``warp_candidates``, ``dense_candidates``,
    ``dense_lr``, ``dense_rounds``, ``dense_stop``, ``round_stop``, ``dark_rounds``,
    ``dense_near``,
    ``near_mix``, ``near_free``,
    ``dense_teacher``, ``dense_check``, ``dense_reach``, ``fast_conv``, ``conv_stop``,
    ``conv_epochs``, ``conv_round_epochs``, ``conv_lean``, ``conv_early``),
    :class:`~trojanscope.mitigate.gated_stage_options.AfterOptions` (``residue``,
    ``residue_rounds``, ``margin``, ``margin_pull``, ``margin_held``, ``dense_repair``,
    ``bias_refit``, ``free_reach``, ``back_distill``, ``reach_round2``, ``first_read``,
    ``held_pick``, ``fold_back``, ``sparse_last``, ``residue_last``, ``refit_last``,
    ``trigger_last``, ``round_last``, ``fresh_last``, ``teach_last``, ``mixed_last``,
    ``mixed_held``, ``restore_last``, ``repair_last``, ``blend_last``, ``blend_rise``,
    ``blend_stop``, ``aug_last``, ``aug_mean``, ``aug_class``, ``reproject_last``) and
    :class:`~trojanscope.mitigate.dense_options.DenseOptions` (``dense_first``, ``dense_pull``,
    ``dense_epochs``, ``dense_then``, ``dense_rho``, ``dense_prune``, ``dense_distill``,
    ``first_near``, ``dense_mask``, ``mask_ranked``, ``mask_dark``, ``mask_black``: how the
    first stage treats an image model without a convolution; every default but
    ``dense_rho``'s, 0.5,
    ``dense_mask``'s, 120, ``mask_ranked``'s, 1, and ``mask_dark``'s, 0.5, as for any other
    model).
    Every option is kept as an attribute of its own name (``get_params`` reads them there).
    """

    name = "gated"
    # dense_gate's -1 turns it off (its default, 0, would make params refuse any negative)
    param_ranges: ClassVar = {"dense_gate": (-1.0, 1.0, False, False)}
    dense_first = option("dense_first")
    dense_pull = option("dense_pull")
    dense_epochs = option("dense_epochs")
    dense_then = option("dense_then")
    dense_rho = option("dense_rho")
    dense_prune = option("dense_prune")
    dense_distill = option("dense_distill")
    first_near = option("first_near")
    dense_mask = option("dense_mask")
    mask_ranked = option("mask_ranked")
    mask_dark = option("mask_dark")
    mask_black = option("mask_black")

    def __init__(self, detector: str = "auto", gate: float = DEFAULT_GATE, then: str = "ftsam",
                 force: bool = False, unlearn: bool = True, eps: float = UNLEARN["eps"],
                 rounds: int = UNLEARN["rounds"], stripes: bool = UNLEARN["stripes"],
                 kept: float = KEPT, residual: float = RESIDUAL, probe_eps: float = PROBE_EPS,
                 kept_p: float = 0.0, sure: float = 0.0, project_first: bool = False,
                 project_cost: float = PROJECT_COST,
                 weak_first: float = WEAK, hand_check: float = HAND_CHECK,
                 revert_stripe: float = 0.0,
                 residue: float = 0.0, residue_rounds: int = RESIDUE_ROUNDS,
                 margin: float | None = None, margin_pull: float | None = None,
                 margin_held: bool = False, revert: bool = True, hold: bool = False,
                 guard_hold: float = 0.0,
                 guard_budget: float = GUARD_BUDGET, check: bool = True,
                 candidates: bool = True, warp: float = WARP,
                 warp_candidates: bool = False, dense_candidates: bool = DENSE_CANDIDATES,
                 dense_lr: float = 1.0,
                 dense_rounds: int = DENSE_ROUNDS, dense_stop: float | None = None,
                 round_stop: float = ROUND_STOP, dark_rounds: int = DARK_ROUNDS,
                 dense_near: int = DENSE_NEAR, near_mix: bool = True,
                 near_free: bool = NEAR_FREE,
                 dense_check: bool = True, dense_teacher: float = DENSE_TEACHER,
                 dense_project: int | None = None, project_kept: float | None = None,
                 stripe_gate: float = STRIPE_GATE["gate"], stripe_top: int = STRIPE_GATE["top"],
                 stripe_eps: float | None = STRIPE_GATE["eps"],
                 dense_first: int = DenseOptions.dense_first,
                 dense_pull: float = DenseOptions.dense_pull, dense_reach: bool = False,
                 dense_epochs: int = DenseOptions.dense_epochs,
                 dense_then: bool = DenseOptions.dense_then,
                 dense_rho: float = DenseOptions.dense_rho,
                 dense_prune: int = DenseOptions.dense_prune,
                 dense_distill: float = DenseOptions.dense_distill,
                 first_near: int = DenseOptions.first_near,
                 dense_mask: int = DenseOptions.dense_mask,
                 mask_ranked: bool = DenseOptions.mask_ranked,
                 mask_dark: float = DenseOptions.mask_dark,
                 mask_black: int = DenseOptions.mask_black, dense_repair: int = 0,
                 guard_trips: int = GUARD_TRIPS,
                 project_repair: int = 0, project_next: int = 0,
                 hand_projected: float = 0.0,
                 projected_undo: bool = False, hand_dark: bool = HAND_DARK,
                 bias_refit: bool = False,
                 free_reach: float | None = None, back_distill: int = 0,
                 reach_round2: bool | None = None, first_read: float | None = None,
                 held_pick: float | None = None, fold_back: int | None = None,
                 sparse_last: bool | None = None,
                 residue_last: float | None = None,
                 refit_last: int | None = None,
                 trigger_last: int | None = None,
                 round_last: float | None = None,
                 fresh_last: float | None = None,
                 teach_last: int | None = None,
                 mixed_last: int | None = None, mixed_held: float | None = None,
                 restore_last: int | None = None,
                 repair_last: int | None = None,
                 blend_last: int | None = None, blend_rise: bool | None = None,
                 blend_stop: float | None = None, aug_last: int | None = None,
                 aug_mean: int | None = None, aug_class: float | None = None,
                 reproject_last: bool | None = None,
                 conv_gate: float = conv_gate.CONV_GATE, conv_gap: float = conv_gate.CONV_GAP,
                 fast_conv: int = conv_fast.FAST_CONV,
                 conv_stop: float | None = conv_fast.CONV_STOP,
                 conv_epochs: int = conv_fast.CONV_EPOCHS,
                 conv_round_epochs: int = conv_fast.CONV_ROUND_EPOCHS,
                 conv_lean: bool = conv_lean.CONV_LEAN,
                 conv_early: bool = conv_lean.CONV_EARLY, suspect: int = -1,
                 read_least: int = READ_LEAST, dense_gate: float = DENSE_GATE,
                 dense_back: float = DENSE_BACK, dense_fall: bool = DENSE_FALL,
                 fit_back: float = FIT_BACK) -> None:
        given = dict(locals())  # the options as called, each group takes its own
        groups = [kind(**{f.name: given[f.name] for f in fields(kind) if f.init})
                  for kind in (StageOptions, ProbeOptions, AfterOptions, ProjectOptions,
                               GateOptions)]
        for group in groups:  # every option an attribute of its own name, as get_params reads
            for f in fields(group):
                setattr(self, f.name, getattr(group, f.name))
        self.dense_options_ = DenseOptions(dense_first, dense_pull, dense_epochs, dense_then,
                                           dense_rho, dense_prune, dense_distill, first_near,
                                           dense_mask, mask_ranked, mask_dark, mask_black)
        self.inner = registry.create("mitigation", then)
        self.min_samples = self.inner.min_samples

    def offer_held(self, held: TensorDataset | None) -> None:
        """Keep the held-out clean samples ``mitigate`` offers: ``read_least`` tops its
        detector's reading up from them (:func:`~trojanscope.mitigate.read_least.reading_set`)."""
        self.held_offered_ = held

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        self.dense_scope_: bool | None = applies(model, clean)  # read once (dense_scope)
        try:
            return self._dispatch(model, clean, seed)
        except StagesReplaced as done:  # dense_mask: no step after the stages runs
            return done.model
        finally:
            self.dense_scope_ = None  # this run's: a stage called on its own reads afresh

    def _dispatch(self, model: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
        """The stages through the dispatcher of the steps after them that is on."""
        if self.dense_repair and dense_scope(self, model, clean):  # opt-in; off: nothing copied
            teacher = frozen_copy(model)
            out = self._purify_margin(model, clean, seed)
            self._repair(out, teacher, clean, seed)
            return out
        if self.bias_refit and dense_scope(self, model, clean):  # opt-in; off: nothing copied
            from trojanscope.mitigate.bias_refit import refit_changed  # imports adaptive
            return refit_changed(self, model, clean, seed)
        if self.back_distill and dense_scope(self, model, clean):  # opt-in; off: nothing copied
            from trojanscope.mitigate.back_distill import back_changed  # imports adaptive
            return back_changed(self, model, clean, seed)
        if self.free_reach > 0 and dense_scope(self, model, clean):  # free_reach=0: nothing read
            from trojanscope.mitigate.free_unlearn import free_changed  # imports adaptive
            return free_changed(self, model, clean, seed)
        return self._purify_margin(model, clean, seed)

    def _purify_undo(self, model: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
        """The stages; with ``projected_undo``, once more from the model as it came and with
        no projection where ``hand_projected`` found the reversed trigger still working on the
        projected model (off: nothing copied)."""
        if not (self.projected_undo and self.dense_project):
            return self._purify(model, clean, seed)
        came = copy.deepcopy(model)
        self.undo_ = False
        out = self._purify(model, clean, seed)
        if not self.undo_:
            return out
        first = self.report_
        given, self.dense_project = self.dense_project, 0  # both stages as without it
        try:
            out = self._purify(came, clean, seed)
        finally:
            self.dense_project = given
        self.report_["hand_projected"] = {
            "action": "the projection undone: both stages ran again from the model as it came",
            "first_run": {k: first.get(k) for k in ("action", "hand_check", "residual",
                                                    "project")}}
        return out

    def _purify_margin(self, model: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
        """The stages, then ``margin`` where it is on."""
        if self.margin <= 0:  # off: nothing read, nothing copied
            return self._purify_undo(model, clean, seed)
        came = {k: v.detach().clone() for k, v in model.state_dict().items()}
        out = self._purify_undo(model, clean, seed)
        self._lower_suspect(out, clean, came, seed)
        return out

    def _purify(self, model: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
        report: dict[str, Any] = {}
        self.report_ = report
        self.verdict_: ModelVerdict | None = None
        self.read_: int | None = None  # how many clean samples the detector read (read_least)
        self.unprojected_: nn.Module | None = None  # project_repair's teacher, this run's
        self.repaired_ = False  # project_repair fitted this run's projected model
        self.first_kept_: nn.Module | None = None  # first_read's: this run's first stage's
        self.first_stage_: nn.Module | None = None
        self.stripe_basis_: list[torch.Tensor] = []  # a kept projection's (reproject_last)
        self.teacher_: nn.Module | None = None  # dense_teacher's, this run's only
        self.pick_held_: TensorDataset | None = None  # held_pick's share, this run's
        verdict = None
        check_suspect(self.suspect, model, clean)  # before the detector's reading (stop 77)
        if not self.force or self.unlearn:  # forced: the detector runs for the suspects only
            start = time.perf_counter()
            read, added = reading_set(self, clean, seed)  # read_least: held-out ones too
            verdict = conv_lean.verdict(self, model, read, seed, detector_verdict)
            p = float(verdict.probability or 0.0)
            report["detector"] = f"{self.detector} p={p:.3f} (gate {self.gate})"
            if added:
                report["detector_read"] = read_words(len(clean), added)
            self.read_ = len(read)
            report["detect_s"] = round(time.perf_counter() - start, 1)
            given_first(self.suspect, verdict, report)  # suspect=C: C first (stop 77)
            if p < self.gate and not self.force and not self._stripe_opens(
                    model, clean, verdict, seed) and not dense_opens(
                    self, model, clean, verdict, p):
                report["action"] = (f"not treated: the detector found no backdoor (p={p:.3f} < "
                                    f"gate {self.gate}; force=1 treats it anyway)")
                return model
            report["suspect"] = verdict.target_classes[0] if verdict.target_classes else None
            self.verdict_ = verdict  # dense_repair's reversed trigger
            if self.dense_mask and dense_scope(self, model, clean):  # off: nothing read
                from trojanscope.mitigate.dense_mask import treat  # imports adaptive

                done = treat(self, model, clean, verdict, seed)
                if done is not None:  # the stages and the steps after them are skipped
                    report["action"] = "treated with dense_mask (the stages skipped)"
                    raise StagesReplaced(done, "dense_mask")
                if self.mask_black:  # a black mask: no first-layer reading sees one
                    from trojanscope.mitigate.dense_black import treat as treat_black

                    done = treat_black(self, model, clean, verdict, seed)
                    if done is not None:
                        report["action"] = "treated with mask_black (the stages skipped)"
                        raise StagesReplaced(done, "mask_black")
        report["action"] = f"treated with {self.then}" + (" (forced)" if self.force else "")
        if self.force and self.stripe_gate > 0:  # every model is treated: no gate to open
            report["stripe_gate"] = {"action": "skipped: force=1 treats every model"}
        for prm in model.parameters():
            prm.requires_grad_(True)  # the detector may have frozen them
        self.held_: TensorDataset | None = None
        if verdict is not None and self.unlearn and self.guard_hold > 0 and clean.x.dim() == 4:
            clean, self.held_ = set_apart(clean, self.guard_hold, seed,  # no stage sees it
                                         min_rest=self.min_samples)
            report["guard_hold"] = {"held": len(self.held_), "rest": len(clean)}
        # held_pick's or mixed_held's (one of them), else dense_back's where dense_gate opened
        share = self.held_pick or self.mixed_held or back_share(self, model, clean)
        if verdict is not None and share > 0 and dense_scope(self, model, clean):
            from trojanscope.mitigate.held_pick import set_pick_apart  # no stage sees the share

            clean, self.pick_held_ = set_pick_apart(clean, share, seed, self.min_samples)
            if self.mixed_held:
                report["mixed_held"] = {"held": len(self.pick_held_), "rest": len(clean)}
            self.pick_rest_ = clean
        if self.dense_project:
            why = self._no_projection(model, clean)
            if why is None and verdict is not None:  # unlearn=1: the detector ran
                # project_repair's teacher: the model before the projection (off: no copy)
                self.unprojected_ = frozen_copy(model) if self.project_repair else None
                self._project(model, clean, verdict, seed)  # the projected model stands in for
                verdict = self.verdict_  # project_next may have put another class first
            elif self.asked_:
                # asked for but not done: the report says why (not a silent no-op); the default
                # applies to dense image models only and says nothing elsewhere
                asked = " ".join(f"{k}={getattr(self, k)}" for k in self.asked_)
                report["project"] = {"action": f"skipped: {asked} {why}"}
        rated = float(verdict.probability or 0.0) if verdict is not None else 1.0
        if verdict is not None and fits_back(self, model, clean, rated):  # off: nothing read
            report["action"] = ("not treated: a well-fitted dense model opened below the gate, "
                                "no stripe in it, is handed back before the first stage "
                                "(fit_back)")
            return model
        original = frozen_copy(model) if verdict is not None and self.unlearn else None
        opts = self.dense_options_
        dense = dense_scope(self, model, clean)  # the dense_* options' scope
        staged = original is not None and dense  # both stages on a dense model
        first_fit = clean
        if original is not None and self.hold and clean.x.dim() == 4:
            # the quarter the second stage holds back stays unseen by the first stage too
            first_fit = hold_back(model, clean, UNLEARN["val_fraction"], seed)[0]
        # dense_first: the one layer the stages train
        self.dense_layer_ = opts.layer(model, clean, report) if staged else None
        if staged:
            opts.prune(model, clean, verdict, seed, UNLEARN["val_fraction"], report)
        inner = opts.first_stage(self.inner) if dense else conv_fast.first_stage(
            self, model, self.inner)  # conv_epochs on a CNN (off: the inner itself)
        if staged and not opts.dense_then:
            report["first_stage"] = "skipped on a dense model (dense_then=0)"
        else:
            with first_layer_only(model, opts.first_stage_layer(self.dense_layer_)):
                model = inner.purify(model, first_fit, seed)
        if original is None:  # no second stage asked for
            return model
        if clean.x.dim() != 4:  # the stage's triggers and perturbations are images'
            report["unlearn"] = {"action": "skipped: the second stage works on images only "
                                           f"(inputs of shape {tuple(clean.x.shape[1:])})"}
            return model
        assert verdict is not None  # original is only copied when the detector ran
        return self._unlearn(model, clean, verdict, original, seed)

    # Each stage's logic lives in its own module; these names stay the method's, so a subclass
    # or a test can replace one stage (benchmarks/check_project_repair.py does).

    def _stripe_opens(self, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
                      seed: int) -> bool:
        """``stripe_gate`` on a dense image model, then ``conv_gate`` (off by default) on one
        with a convolution (looked up at call time: benchmarks spy on it there)."""
        return (stripe_opens(self, model, clean, verdict, seed)
                or conv_gate.conv_opens(self, model, clean, verdict, seed))

    def _no_projection(self, model: nn.Module, clean: TensorDataset) -> str | None:
        return gated_projection.no_projection(self, model, clean)

    def _project(self, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
                 seed: int) -> None:
        gated_projection.project(self, model, clean, verdict, seed)

    def _repair_projected(self, model: nn.Module, clean: TensorDataset, seed: int) -> None:
        gated_projection.repair_projected(self, model, clean, seed)

    def _stage_settings(self, model: nn.Module, clean: TensorDataset) -> dict[str, Any]:
        return gated_unlearn.stage_settings(self, model, clean)

    def _unlearn(self, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
                 original: nn.Module, seed: int) -> nn.Module:
        return gated_unlearn.unlearn(self, model, clean, verdict, original, seed)

    def _teacher(self, model: nn.Module, clean: TensorDataset,
                 original: nn.Module) -> nn.Module | None:
        return gated_unlearn.teacher(self, model, clean, original)

    def _again(self, model: nn.Module, stage: Any, clean: TensorDataset,
               triggers: list[ReversedTrigger], ranked: list[int], original: nn.Module,
               seed: int) -> nn.Module:
        return gated_unlearn.again(self, model, stage, clean, triggers, ranked, original, seed)

    def _residue(self, model: nn.Module, stage: Any, clean: TensorDataset,
                 verdict: ModelVerdict, ranked: list[int], original: nn.Module,
                 seed: int) -> nn.Module:
        return gated_after.run_residue(self, model, stage, clean, verdict, ranked, original,
                                       seed)

    def _lower_suspect(self, model: nn.Module, clean: TensorDataset,
                       came: dict[str, torch.Tensor], seed: int) -> None:
        gated_after.apply_margin(self, model, clean, came, seed)

    def _repair(self, model: nn.Module, teacher: nn.Module, clean: TensorDataset,
                seed: int) -> None:
        gated_after.repair_dense(self, model, teacher, clean, seed)

    @property
    def treated(self) -> bool:
        """Whether the last :meth:`purify` changed the model (``False``: gated out)."""
        return str(getattr(self, "report_", {}).get("action", "")).startswith("treated")
