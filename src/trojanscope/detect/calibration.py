"""Turn a detector's raw statistics into a calibrated probability that a model is backdoored.

A calibrator is a logistic regression over a few of a method's features, fitted on a
*calibration* zoo (never on the zoo its figures are reported on) and shipped with the package in
``calibration.json``. It records in ``fitted_on["coverage"]`` how many calibration models had
each architecture trait (activation, pooling, normalisation), so that a verdict on a model made
of layers the calibration lacked says so (``coverage_notes``). A method without a fitted
entry falls back to a logistic curve centred on the method's conventional threshold, and says
so (``calibrated: false``). A method whose families (networks, trees) answer on different
scales ships one calibrator per family, ``"<method>:<family>"``, chosen by
``ModelVerdict.family`` (``"tree:xgboost"``: ``"<method>:tree:xgboost"``, else
``"<method>:tree"``, else ``"<method>"``).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.blend_low import (
    LOW_LOGIT,
    LOW_UNNAMED,
    PAST,
    check_low_terms,
    low_note,
    low_term,
)
from trojanscope.detect.blend_sink import (
    SINK_BEFORE,
    SINK_LOGIT,
    SINK_SHARE,
    check_sink_terms,
    sink_note,
    sink_term,
)
from trojanscope.detect.calibration_range import range_guard
from trojanscope.detect.class_excess import (
    EXCESS,
    EXCESS_BEFORE,
    EXCESS_LOGIT,
    EXCESS_MASK_LINE,
    EXCESS_OWN,
    check_excess_terms,
    excess_term,
)
from trojanscope.detect.coverage import (
    KNOWN_TRAITS,
    MIN_COVERED,
    coverage_notes,
    describe,
    noted_only,
    routed,
    unseen_started,
    wider_gap_notes,
)
from trojanscope.detect.kind_centre import CENTRE_LOGIT, centre_term, check_centre_terms
from trojanscope.detect.logits import shift_logit, sigmoid
from trojanscope.detect.mask_gate import (
    MASK_BEFORE,
    MASK_BY_NOISE,
    MASK_BY_RECIPE,
    MASK_LOGIT,
    check_mask_gate,
    gate_read,
)
from trojanscope.detect.named_check import (
    BLEND_CLASS,
    BLEND_RAISE,
    FRAME_OFF,
    NAMED_LOGIT,
    NAMED_STAND,
    UNCHECKED_CLASS,
    check_named_terms,
    named_note,
    named_term,
)
from trojanscope.detect.one_kind import one_kind_note
from trojanscope.detect.pixel_dense_agree import HELD, check_agree, held_off
from trojanscope.detect.raise_naming import check_name_floors, may_name, min_lift
from trojanscope.detect.read_as import read_as
from trojanscope.detect.sig_probe import (
    SIG_BY_SHARE,
    SIG_LOGIT,
    SIG_UNNAMED,
    check_sig_terms,
    sig_note,
    sig_term,
)
from trojanscope.detect.tabular_clean_look import (
    LOOK_BEFORE,
    LOOK_LOGIT,
    check_look_terms,
    look_lower,
    look_note,
)
from trojanscope.detect.tabular_file_size import band_missing_note, is_band
from trojanscope.detect.tabular_gap_raise import (
    FLIP_BEFORE,
    FLIP_LOGIT,
    GAP_BEFORE,
    GAP_LOGIT,
    check_gap_terms,
    gap_note,
    gap_raise,
)
from trojanscope.detect.tabular_group_heat import (
    HEAT_BEFORE,
    HEAT_LOGIT,
    check_heat_terms,
    heat_lower,
    heat_note,
)
from trojanscope.detect.tabular_lever_term import check_lever_terms, lever_lower, lever_note
from trojanscope.detect.twin_term import TWIN_LOGIT, check_twin_terms, reads_twins, twins_term
from trojanscope.detect.two_class import two_class_term
from trojanscope.errors import UserInputError
from trojanscope.io.calibration_file import entries_of, missing_words
from trojanscope.io.json_file import loads
from trojanscope.plain_numbers import finite
from trojanscope.report.size_notes import is_size_note

if TYPE_CHECKING:
    from torch import nn

SHIPPED = "calibration.json"
# Key suffix of the calibrator used for models outside the default calibrator's coverage.
OUT_OF_COVERAGE = "out-of-coverage"
# Key suffix of a raise-only term on a calibrated probability (issue 9, stop 32): the logit of
# ``"<method>:raise"``'s linear score, where positive, is added to the probability's logit.
RAISE = "raise"
# A raise term's score at or below this is no raise: a gap read in float32 exactly at the
# term's start (shares 20/150 - 8/150 give 0.0800000057) would otherwise raise by 3e-7 and
# reorder the classes.
MIN_LIFT = 1e-6
# ``fitted_on.gate_unseen`` of a gated raise term: a model whose activation no group was fitted
# on starts at the highest start fitted for its kind (issue 9, stop 52 h9F; see unseen_start).
UNSEEN_MAX_KIND = "max@kind"
# The same start for a model whose activation trait (one is read) has no ``@<kind>`` start in the
# file, covered or not: a group the file's starts were never fitted on (stop 54 h9A: held out, a
# LeakyReLU or tanh CNN fell back to the term's own start, fitted on the own engine's models).
UNFITTED_MAX_KIND = "max@kind:unfitted"
GATE_UNSEEN = (UNSEEN_MAX_KIND, UNFITTED_MAX_KIND)
# Each raise-only term (key suffix after ``"<method>:raise"``) -> the feature naming the class its
# evidence points to, its gap, and how the note says it (stop 32: the empty pixels; stop 33: five
# pixels anywhere, the greedy pixel probe of ``detect/pixels.py``).
RAISE_EVIDENCE = {
    "": ("empty_top_class", "empty_share_gap",
         "from the clean data's empty pixels {which} is reached far more often than the next"),
    ":pixels": ("pixel_top_class", "pixel_share_gap",
                "a few pixels (5; 15 without a convolution) set to the maximum send the clean "
                "inputs to {which} far more often than to the next, on average over draws of the "
                "clean inputs"),
    # stop 37: the outer ring lit uniformly (models without a convolution; every image model
    # since stop 40)
    ":frame": ("frame_top_class", "frame_share_gap",
               "the image's outer ring lit at one value sends the clean inputs to {which} far "
               "more often than to the next"),
    # issue 15, stop 45: text-inversion -p unk_push=1 (Kim CNNs with a word vocabulary)
    ":unk": ("tu_class", "tu_flip_1",
             "the unknown-word token, inserted once into clean sentences of the other classes, "
             "sends them to {which} far more often than in any clean development model"),
}
# Key suffix of a lower-only term (issue 9, stop 39): ``"<calibrator>:lower<suffix>"`` switches
# on a correction of that calibrator's own probability (before any raise term), recorded as
# ``lower_logit``. Keyed by the calibrator it corrects, so a model scored by another one (the
# wider calibrator, say) is never lowered by it.
LOWER = "lower"
# Each lower term (key suffix) -> the verdict feature that must read 1 for it to apply, and the
# scoring calibrator's feature whose positive part it takes back. ":dense": on a model without a
# convolution (``first_layer_dense``), the default calibrator's MM-BD p-value term must not raise
# the probability when MM-BD finds less than the calibration zoo's average (shipped by stop 39's
# rule on seed 28; docs/benchmarks.md). The take-back is computed at run time from the scoring
# calibrator's own coefficient, mean and scale (review of stop 39: a stored copy went stale when a
# user refitted ``auto``); the entry is the on-switch, its ``fitted_on["coverage"]`` the
# activations it was measured on.
LOWER_TERMS = {":dense": ("first_layer_dense", "mmbd_neglog10_p")}
# The features recording each term's own lift, beside their sum ``raise_logit`` (the
# empty-pixel term's is the rest).
OWN_LIFT = {":pixels": "raise_logit_pixels", ":frame": "raise_logit_frame",
            ":unk": "raise_logit_unk"}
# Traits of models no calibrator was found to score (leave-one-family-out on a zoo of such
# models, benchmarks/bench_tabular_foreign_zoo.py): out of coverage, their verdict keeps the
# probability but says it is not calibrated (``"calibrated": false``; the audit: review).
UNCALIBRATED_OUT_OF_COVERAGE = frozenset({"trees:other-code"})
# How every note saying why a probability is not calibrated begins (such models, or no
# calibrator in the file): the audit names it as the reason of a review finding.
UNCALIBRATED_NOTE = "probability not calibrated"
# Conventional thresholds of raw statistics, used only when no calibrator is fitted.
FALLBACK_CENTRES = {"neural_cleanse": 2.0, "trigger_search": 2.0, "mmbd": 2.0}


@dataclass
class Calibrator:
    """``p = sigmoid(intercept + Σ coef_i · z_i)`` where ``z_i`` is feature ``i`` transformed
    (``log``: sign(x)·log(1 + |x|), taming heavy-tailed statistics) and standardised."""

    method: str
    features: list[str]
    coef: list[float]
    intercept: float
    fitted_on: dict[str, Any] = field(default_factory=dict)
    mean: list[float] | None = None
    scale: list[float] | None = None
    transform: str = "none"

    def __post_init__(self) -> None:
        """A calibrator whose lists do not match its features (an edited or truncated file)
        is refused when read, naming the entry, not at the first verdict it scores."""
        n = len(self.features)
        for name in ("coef", "mean", "scale"):
            values = getattr(self, name)
            if values is None and name != "coef":
                continue
            if not isinstance(values, list) or len(values) != n or not all(
                    finite(v) and (name != "scale" or v > 0) for v in values):
                kind = "positive numbers" if name == "scale" else "finite numbers"
                raise ValueError(f"{self.method!r}: {name} must be {n} {kind}, one per "
                                 f"feature, got {values!r}")
        if not finite(self.intercept):
            raise ValueError(f"{self.method!r}: intercept must be a finite number, got "
                             f"{self.intercept!r}")
        if not isinstance(self.fitted_on, dict):
            raise ValueError(f"{self.method!r}: fitted_on must be an object, got "
                             f"{self.fitted_on!r}")
        if self.transform not in ("none", "log"):
            raise ValueError(f"{self.method!r}: transform must be 'none' or 'log', got "
                             f"{self.transform!r}")

    def probability(self, features: dict[str, float]) -> float:
        return sigmoid(self.logit(features))

    def logit(self, features: dict[str, float]) -> float:
        """The linear score ``intercept + Σ coef_i · z_i`` (the probability's logit)."""
        features = read_as(self.features, features)  # tab_box_above as tab_box (M74)
        missing = [f for f in self.features if f not in features]
        if missing:
            raise UserInputError(f"calibrator for {self.method!r} needs features {missing}")
        mean = self.mean or [0.0] * len(self.features)
        scale = self.scale or [1.0] * len(self.features)
        raw = [_transform(_clip(features[f]), self.transform) for f in self.features]
        values = [(v - m) / s for v, m, s in zip(raw, mean, scale, strict=True)]
        return self.intercept + sum(c * v for c, v in zip(self.coef, values, strict=True))


def raise_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator]
               ) -> list[Calibrator]:
    """Add each ``"<method>:raise…"`` term's linear score, where positive, to the probability's
    logit (in place), recording the sum as ``raise_logit``, the pixel term's own lift as
    ``raise_logit_pixels`` and ``probability_unraised`` in the verdict's features; nothing
    when no term's features are there or no score is positive. Raise-only: evidence of a
    backdoor that the calibrator's features do not see (issue 9, stop 32: the empty-pixel
    probe's flip-share gap; stop 33: the greedy pixel probe's). The term with the largest lift
    names the verdict's suspect, where its lift reaches the term's ``name_floor``
    (:mod:`.raise_naming`; below it, where its class was not first already,
    ``raise_name_held`` is recorded). Returns the terms that raised (their own coverage is
    then worth a note)."""
    if verdict.probability is None:
        return []
    lifts: dict[str, tuple[float, Calibrator]] = {}
    for suffix, term in readable_raise_terms(verdict, calibrators):
        if suffix == ":frame" and verdict.features.get(FRAME_OFF):
            continue  # the named-check term lowered this GAP head and reads no frame raise (C5)
        if suffix == ":pixels" and held_off(term.fitted_on, verdict):
            verdict.features[HELD] = 1.0  # a weak gap on a flat model, not at its suspect
            continue
        if not gated_off(term, verdict.traits):
            lift = term.logit(verdict.features) + gate_shift(term, verdict.traits)
            if lift > max(MIN_LIFT, min_lift(term)):  # a gap exactly at the start, read in
                # float32, is no raise; nor, where the file asks, a lift under its floor
                lifts[suffix] = (lift, term)
    if not lifts:
        return []
    total = sum(lift for lift, _ in lifts.values())
    before = min(max(verdict.probability, 1e-12), 1 - 1e-12)  # recorded as unraised below
    verdict.probability = shift_logit(before, total)
    verdict.features["raise_logit"] = float(total)
    for suffix, name in OWN_LIFT.items():
        if suffix in lifts:
            verdict.features[name] = float(lifts[suffix][0])
    verdict.features["probability_unraised"] = float(before)
    top = raised_class(verdict.features)
    namer_lift, namer = max(lifts.values(), key=lambda lt: lt[0])
    named = top is not None and top in verdict.target_classes
    if named and not may_name(namer_lift, namer):
        if top != verdict.target_classes[0]:  # too weak to overrule MM-BD's class
            verdict.features["raise_name_held"] = 1.0
    elif named:  # the raise's evidence names its class: the verdict's suspect is that
        # class, not MM-BD's (which it overruled)
        verdict.features["unraised_top_class"] = float(verdict.target_classes[0])
        verdict.target_classes.remove(top)
        verdict.target_classes.insert(0, top)
    return [term for _, term in lifts.values()]


def readable_raise_terms(verdict: ModelVerdict, calibrators: dict[str, Calibrator]
                         ) -> list[tuple[str, Calibrator]]:
    """The ``"<method>:raise<suffix>"`` terms of the file whose features the verdict holds, with
    their suffixes (gated or not: :func:`raise_term` applies the ungated, :func:`calibrate`
    notes the gated)."""
    found = ((suffix, calibrators.get(f"{verdict.method}:{RAISE}{suffix}"))
             for suffix in RAISE_EVIDENCE)
    return [(suffix, term) for suffix, term in found
            if term is not None and all(f in verdict.features for f in term.features)]


def gated_off(term: Calibrator, traits: list[str]) -> list[str]:
    """The model's traits that keep term ``term`` off: those starting with a prefix its
    ``fitted_on["gate"]`` lists (``["activation:"]``) that its ``fitted_on["coverage"]`` has in
    fewer than ``MIN_COVERED`` models (empty: the term applies). Why (issue 9, stop 45): the
    frame raise term, measured on ReLU and tanh models, lifted clean sigmoid and LeakyReLU CNNs
    of foreign seed 63; a gate is opt-in, written in a calibration file."""
    if unseen_start(term, traits) is not None:
        return []  # an activation no group was fitted on: the term applies from that start
    starts = term.fitted_on.get("gate_start") or {}
    kind = _kind(traits)
    return [t for t in _uncovered(term, traits) if t not in starts and f"{t}@{kind}" not in starts]


def unseen_start(term: Calibrator, traits: list[str]) -> float | None:
    """Where the term's file asks for it (``fitted_on["gate_unseen"] == "max@kind"``), the
    start of a model whose activation the calibration never fitted: none of its gated traits
    is covered (``MIN_COVERED`` models) or has a ``"<trait>@<kind>"`` start, which includes a
    model with no activation trait at all (Softplus, Hardswish, Mish, SELU are not read as
    one). It is the highest ``@<kind>`` start fitted on any group of the model's kind: the term
    then lifts only above what clean models of every fitted group of that kind read, instead
    of at its own start, below which clean models of an unseen activation can read (issue 9,
    stop 52 h9F: held out, clean sigmoid CNNs read empty-pixel gaps 0.32-0.36 over the
    term's start 0.20). ``"max@kind:unfitted"`` (stop 54 h9A) asks the same start for a model
    with an activation trait none of which has a ``"<trait>@<kind>"`` start, covered or not,
    and leaves a model with no activation trait at its term's own start. None where the option
    is off, the model is not of the option's kind, or the file holds no start of that kind.
    ``TROJANSCOPE_ACTIVATION_TRAITS=route-u`` asks for ``"max@kind"`` on a model with an
    activation named at stop 53 where the file asks for none
    (:func:`~trojanscope.detect.coverage.unseen_started`)."""
    mode = term.fitted_on.get("gate_unseen")
    if mode not in GATE_UNSEEN:
        if not unseen_started(traits):
            return None
        mode = UNSEEN_MAX_KIND
    starts = term.fitted_on.get("gate_start") or {}
    prefixes = tuple(term.fitted_on.get("gate") or [])
    covered = term.fitted_on.get("coverage") or {}
    if not prefixes:
        return None
    kind = _kind(traits)
    gated = [t for t in traits if t.startswith(prefixes)]
    if any(f"{t}@{kind}" in starts for t in gated):
        return None
    if mode == UNFITTED_MAX_KIND:  # read activations only; a covered one too
        if not gated:
            return None
    elif any(int(covered.get(t, 0)) >= MIN_COVERED for t in gated):
        return None
    same_kind = [float(v) for k, v in starts.items() if k.endswith(f"@{kind}")]
    return max(same_kind) if same_kind else None


def _uncovered(term: Calibrator, traits: list[str]) -> list[str]:
    """The model's traits that the term's gate names and its coverage lacks."""
    prefixes = term.fitted_on.get("gate") or []
    covered = term.fitted_on.get("coverage") or {}
    return [t for t in sorted(traits) if t.startswith(tuple(prefixes))
            and int(covered.get(t, 0)) < MIN_COVERED]


def gate_shift(term: Calibrator, traits: list[str]) -> float:
    """The logit shift (at most 0) of a gated term on a model whose uncovered traits each have
    a start fitted on clean development models of that trait (``fitted_on["gate_start"]``,
    e.g. ``{"activation:leaky_relu": 0.49}``): the term then begins at the largest such start
    instead of its own ``fitted_on["start"]``, so it keeps its evidence there but only above
    what clean models of that group read (issue 9, stop 47: switching the frame term off on
    LeakyReLU missed a frame-triggered LeakyReLU CNN of seed 66). A key ``"<trait>@dense"`` or
    ``"<trait>@conv"`` (stop 48) is a start fitted on that trait's models of one kind (``@conv``:
    the model has the ``layer:conv`` trait) and applies whether the term's coverage has the
    trait or not (a clean tanh MLP of seed 67 read above the dense start); it wins over the
    plain key. 0.0 when none applies."""
    fitted = _group_starts(term, traits)
    if not fitted:
        return 0.0
    return -float(term.fitted_on["slope"]) * max(0.0, max(fitted) - float(term.fitted_on["start"]))


def _kind(traits: list[str]) -> str:
    """``"conv"`` for a model with a convolution, else ``"dense"`` (the ``@`` keys of
    ``fitted_on.gate_start``)."""
    return "conv" if "layer:conv" in traits else "dense"


def _group_starts(term: Calibrator, traits: list[str]) -> list[float]:
    """The fitted starts ``gate_shift`` reads for this model: per trait the gate names, the
    ``"<trait>@<kind>"`` start (covered or not), else the plain start of an uncovered trait."""
    starts = term.fitted_on.get("gate_start") or {}
    prefixes = tuple(term.fitted_on.get("gate") or [])
    uncovered = set(_uncovered(term, traits))
    kind = _kind(traits)
    out = []
    for t in sorted(traits):
        if not prefixes or not t.startswith(prefixes):
            continue
        if f"{t}@{kind}" in starts:
            out.append(float(starts[f"{t}@{kind}"]))
        elif t in uncovered and t in starts:
            out.append(float(starts[t]))
    unseen = unseen_start(term, traits)
    if unseen is not None:
        out.append(unseen)
    return out


def gate_note(term: Calibrator, traits: list[str]) -> str | None:
    """The sentence saying that a gated term was not applied (None when it applies)."""
    off = gated_off(term, traits)
    if not off:
        return None
    return (f"calibration term {term.method!r} not applied: its calibration has "
            f"{', '.join(describe(t) for t in off)} in fewer than {MIN_COVERED} models")


def check_gates(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``fitted_on.gate`` that :func:`gated_off` could not read: not a
    list of non-empty trait prefixes, a prefix no trait starts with (a typo would gate nothing,
    silently; review of stop 45), or on an entry without a ``coverage`` record."""
    for key, cal in calibrators.items():
        if "gate" not in cal.fitted_on:
            if "gate_unseen" in cal.fitted_on:
                raise ValueError(f"{key!r}: fitted_on.gate_unseen needs a fitted_on.gate")
            continue
        gate = cal.fitted_on["gate"]
        if (not isinstance(gate, list) or not gate
                or not all(isinstance(g, str) and g for g in gate)):
            raise ValueError(f"{key!r}: fitted_on.gate must be a list of trait prefixes "
                             f"(e.g. [\"activation:\"]), got {gate!r}")
        unknown = [g for g in gate if not any(t.startswith(g) for t in KNOWN_TRAITS)]
        if unknown:
            raise ValueError(f"{key!r}: fitted_on.gate {unknown[0]!r} starts no trait "
                             f"(traits: {', '.join(sorted(KNOWN_TRAITS))})")
        if not isinstance(cal.fitted_on.get("coverage"), dict):
            raise ValueError(f"{key!r}: fitted_on.gate needs a fitted_on.coverage record")
        _check_gate_start(key, cal.fitted_on)


def _check_gate_start(key: str, fitted_on: dict) -> None:
    """Refuse a ``fitted_on.gate_start`` :func:`gate_shift` could not read: not a map of known
    traits to finite starts, or without the term's own numeric ``start`` and ``slope``."""
    unseen = fitted_on.get("gate_unseen")
    if unseen is not None and unseen not in GATE_UNSEEN:
        raise ValueError(f"{key!r}: fitted_on.gate_unseen must be one of {GATE_UNSEEN}, got "
                         f"{unseen!r}")
    starts = fitted_on.get("gate_start")
    if starts is None:
        return
    if (not isinstance(starts, dict) or not all(_start_key(t) in KNOWN_TRAITS for t in starts)
            or not all(finite(v) for v in starts.values())):
        raise ValueError(f"{key!r}: fitted_on.gate_start must map known traits to finite "
                         f"starts, got {starts!r}")
    if not (finite(fitted_on.get("start")) and finite(fitted_on.get("slope"))):
        raise ValueError(f"{key!r}: fitted_on.gate_start needs numeric fitted_on.start and "
                         "fitted_on.slope")


def _start_key(key: object) -> object:
    """A ``gate_start`` key's trait (``"activation:tanh@dense"`` → ``"activation:tanh"``); a key
    with another suffix is returned whole (and refused as unknown)."""
    if isinstance(key, str) and key.endswith(("@dense", "@conv")):
        return key.rsplit("@", 1)[0]
    return key


def check_coverage(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``fitted_on`` that is not an object, or a ``fitted_on.coverage``
    that is not an object of trait → model count (a whole number >= 0): the coverage notes and
    gates read the counts at each verdict, where a ``null`` count failed only after the
    detector's run, as an unexpected TypeError (review of stop 45)."""
    for key, cal in calibrators.items():
        if not isinstance(cal.fitted_on, dict):
            raise ValueError(f"{key!r}: fitted_on must be an object")
        covered = cal.fitted_on.get("coverage")
        if covered is None:
            continue
        if not isinstance(covered, dict) or not all(
                finite(n) and n >= 0 and n == int(n) for n in covered.values()):
            raise ValueError(f"{key!r}: fitted_on.coverage must map traits to model counts "
                             f"(whole numbers >= 0), got {covered!r}"[:300])


def lower_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator], scored_by: str,
               notes: list[str] | None = None) -> float:
    """Take back, where it is positive and its feature reads below the calibration zoo's mean,
    the term of calibrator ``scored_by`` for the feature a ``"<scored_by>:lower…"`` term names
    (in place, on the probability that calibrator gave), recording the sum as ``lower_logit``;
    returns it (0.0 when no term applies). Lower-only, as a raise term is raise-only: MM-BD
    finding nothing significant is no evidence of a backdoor (stop 39). A model whose traits
    hold no activation the term's ``fitted_on["coverage"]`` lists (a convolution written as
    reshape + ``nn.Linear`` reads as dense, with no activation trait) is not lowered: a line
    in ``notes`` says so, as raise terms note their coverage."""
    scorer = calibrators.get(scored_by)
    if verdict.probability is None or scorer is None:
        return 0.0
    total = 0.0
    for suffix, (gate, feature) in LOWER_TERMS.items():
        term = calibrators.get(f"{scored_by}:{LOWER}{suffix}")
        if (term is None or feature not in scorer.features
                or not all(f in verdict.features for f in term.features)
                or verdict.features.get(gate) != 1.0):
            continue
        i = scorer.features.index(feature)
        z = _transform(_clip(verdict.features[feature]), scorer.transform)
        if scorer.mean is not None:
            z -= scorer.mean[i]
        if scorer.scale is not None:
            z /= scorer.scale[i]
        share = scorer.coef[i] * z
        if z >= 0 or share <= MIN_LIFT:  # a reading above the mean, or a term that lowers
            continue
        acts = sorted(t for t in (term.fitted_on.get("coverage") or {}) if
                      t.startswith("activation:"))
        if acts and not set(acts) & set(verdict.traits):
            if notes is not None:
                notes.append(f"probability not lowered by the calibration's {suffix[1:]} lower "
                             f"term ({share:.2f} logits): the model has none of the activations "
                             f"it was measured on ({', '.join(acts)}); a convolution written as "
                             "reshape + a linear layer reads as dense")
            continue
        total -= share
    if total:
        verdict.probability = shift_logit(verdict.probability, total)
        verdict.features["lower_logit"] = float(total)
    return total


def lower_note(features: dict[str, float]) -> str | None:
    """The sentence saying that a lower term lowered the verdict's probability (None when none
    did). ``detect``'s text, the audit's step details and its finding print it beside the raise
    note: a correction inside the calibration's coverage, not a coverage note."""
    if "lower_logit" not in features:
        return None
    return (f"probability lowered by {-features['lower_logit']:.2f} logits (MM-BD found nothing "
            "significant on a model without a convolution; the calibration's lower term)")


def check_lower_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``*:lower*`` entry that would otherwise be ignored: an unknown
    suffix (``auto:lower:Dense``), a term without its gate feature, or one whose calibrator is
    missing or lacks the feature the term takes back (review of stop 39)."""
    for key, term in calibrators.items():
        base, sep, suffix = key.partition(f":{LOWER}")
        if not sep:
            continue
        if suffix not in LOWER_TERMS:
            raise ValueError(f"{key!r}: unknown lower term (known: "
                             f"{', '.join(f'<calibrator>:{LOWER}{s}' for s in LOWER_TERMS)})")
        gate, feature = LOWER_TERMS[suffix]
        if gate not in term.features:
            raise ValueError(f"{key!r}: a {suffix[1:]} lower term must read {gate!r}")
        scorer = calibrators.get(base)
        if scorer is None or feature not in scorer.features:
            raise ValueError(f"{key!r}: no {base!r} calibrator reading {feature!r} to lower")


def unread_terms(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
                 scored_by: str | None = None) -> list[str]:
    """A note for each raise term of the verdict's method that :func:`raise_term` skips, and
    each lower term of the calibrator ``scored_by`` that :func:`lower_term` skips, although the
    run recorded some of its features: the rest are features this configuration
    never records (a ``frame_*`` term without ``-p frame=true``, a term of another version),
    and a skipped term would otherwise change the probability silently (review of stop 37: a
    candidate term reading ``first_layer_dense``, recorded then with ``frame=true`` only, gave
    p 0.001 where the shipped file gave 1.000). ``frame_*`` missing on a model recorded as not
    dense is no note: runs before stop 40 read the frame probe on dense models only; nor is a lower
    term's gate feature missing alone (a model that is not an image: the term does not apply)."""
    gates = {gate for gate, _ in LOWER_TERMS.values()}
    notes = []
    names = [f"{verdict.method}:{RAISE}{suffix}" for suffix in RAISE_EVIDENCE]
    if scored_by is not None:  # and the lower terms of the calibrator that scored it
        names += [f"{scored_by}:{LOWER}{suffix}" for suffix in LOWER_TERMS]
    for name in names:
        term = calibrators.get(name)
        if term is None:
            continue
        missing = [f for f in term.features if f not in verdict.features]
        if not missing or len(missing) == len(term.features):
            continue  # read, or a probe that did not run on this model (no images, say)
        if (all(f.startswith("frame_") for f in missing)
                and verdict.features.get("first_layer_dense") == 0.0):
            continue
        if f":{LOWER}" in name and set(missing) <= gates:
            continue
        hint = (" (auto records frame_* with -p frame=true, on image models)"
                if any(f.startswith("frame_") for f in missing) else "")
        notes.append(f"calibration term {name!r} not read: this run did not record "
                     f"{', '.join(missing)}{hint}")
    return notes


def _own_lifts(features: dict[str, float]) -> dict[str, float]:
    """Each raise term's own lift, from the verdict's recorded ``raise_logit*`` features."""
    own = {suffix: features.get(name, 0.0) for suffix, name in OWN_LIFT.items()}
    return {"": features.get("raise_logit", 0.0) - sum(own.values()), **own}


def raised_class(features: dict[str, float]) -> int | None:
    """The class named by the raise term with the largest lift (None when nothing was raised,
    that probe recorded no class, or its lift was below the term's ``name_floor``)."""
    if "raise_logit" not in features or features.get("raise_name_held"):
        return None
    lifts = _own_lifts(features)
    top = features.get(RAISE_EVIDENCE[max(lifts, key=lifts.__getitem__)][0])
    return None if top is None else int(top)


def raise_note(features: dict[str, float]) -> str | None:
    """The sentence saying that ``auto:raise`` raised a verdict's probability, naming the class
    each raising term's evidence points to (None when nothing was raised). ``detect``'s text
    and the audit's finding both print it, so a flag the raise made is not read as MM-BD's
    alone. A tree's gap term (issue 16 stop 60, :mod:`.tabular_gap_raise`) is said the same
    way."""
    if "probability_unraised" not in features:
        return gap_note(features)
    said = []
    for suffix, lift in _own_lifts(features).items():
        if lift <= 0:
            continue
        cls, gap, text = RAISE_EVIDENCE[suffix]
        top = features.get(cls)
        which = "one class" if top is None else f"class {int(top)}"
        said.append(f"{text.format(which=which)} ({gap} {features.get(gap, float('nan')):.2f})")
    held = ("; that lift is below the calibration's naming floor, so the suspected target "
            "stays MM-BD's class" if features.get("raise_name_held") else "")
    return (f"probability raised from {features['probability_unraised']:.3f}: "
            + "; and ".join(said) + held)


def _clip(value: float) -> float:
    """Features are clipped to ±100 so one extreme statistic cannot dominate the logit."""
    if not math.isfinite(value):
        return 100.0 if value > 0 else -100.0
    return float(np.clip(value, -100.0, 100.0))


def _transform(value: float, kind: str) -> float:
    return math.copysign(math.log1p(abs(value)), value) if kind == "log" else value


def fit_calibrator(
    method: str,
    rows: list[dict[str, float]],
    labels: list[int],
    features: list[str],
    *,
    transform: str = "log",
    c: float = 10.0,
    **meta: Any,
) -> Calibrator:
    """Fit a logistic regression on (log-compressed, standardised) ``features`` of ``rows``.

    The defaults (log transform, C = 10) are the design first chosen on a single calibration
    zoo; each shipped calibrator records its own design (``transform``, ``fitted_on["C"]``),
    chosen by leave-one-out cross-entropy on the pooled calibration zoos
    (``benchmarks/calibration_cv.py``; see docs/benchmarks.md)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) < 2:
        raise UserInputError("calibration needs both clean and backdoored models")
    x = np.array([[_transform(_clip(r[f]), transform) for f in features] for r in rows])
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, np.array(labels))
    return Calibrator(
        method,
        features,
        model.coef_[0].tolist(),
        float(model.intercept_[0]),
        {"n_models": len(rows), "C": c, **meta},
        mean.tolist(),
        scale.tolist(),
        transform,
    )


def load_calibrators(path: str | Path | None = None) -> dict[str, Calibrator]:
    """Calibrators from ``path``, or the ones shipped with trojanscope."""
    try:
        if path is None:
            text = resources.files("trojanscope.detect").joinpath(SHIPPED).read_text()
        else:
            text = Path(path).read_text()
        raw = entries_of(loads(text))  # deep nesting, another shape: a ValueError
        calibrators = {m: Calibrator(**c) for m, c in raw.items()}
        check_coverage(calibrators)  # first: the other checks read fitted_on
        check_lower_terms(calibrators)
        check_floors(calibrators)
        check_gates(calibrators)
        check_agree(calibrators)
        check_name_floors(calibrators, f":{RAISE}")
        check_excess_terms(calibrators)
        check_centre_terms(calibrators)
        check_twin_terms(calibrators)
        check_named_terms(calibrators)
        check_sink_terms(calibrators)
        check_low_terms(calibrators)
        check_sig_terms(calibrators)
        check_gap_terms(calibrators)
        check_lever_terms(calibrators)
        check_mask_gate(calibrators)
        check_look_terms(calibrators)
        check_heat_terms(calibrators)
        return calibrators
    except FileNotFoundError:
        if path is not None:
            raise UserInputError(missing_words(path)) from None
        return {}
    except (OSError, ValueError, TypeError) as exc:
        raise UserInputError(f"{path or SHIPPED}: unreadable calibration file ({exc})") from None


def save_calibrators(calibrators: dict[str, Calibrator], path: str | Path) -> None:
    from trojanscope.io.atomic import write_text_atomic

    write_text_atomic(
        path, json.dumps({m: asdict(c) for m, c in calibrators.items()}, indent=2) + "\n"
    )


def check_floors(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``fitted_on.floor`` that :func:`floored_probability` would ignore
    at every verdict: one naming no calibrator of the file (a typo, a number), or a calibrator
    reading features the floored one does not (review of stop 41)."""
    for key, cal in calibrators.items():
        if "floor" not in cal.fitted_on:
            continue
        floor = cal.fitted_on["floor"]
        base = calibrators.get(floor) if isinstance(floor, str) else None
        if base is None:
            raise ValueError(f"{key!r}: fitted_on.floor {floor!r} names no calibrator of this "
                             "file")
        extra = [f for f in base.features if f not in cal.features]
        if extra:
            raise ValueError(f"{key!r}: its floor {floor!r} reads features it does not "
                             f"({', '.join(extra)})")


def floored_probability(cal: Calibrator, calibrators: dict[str, Calibrator],
                        features: dict[str, float]) -> float:
    """``cal``'s probability, not below that of the calibrator its ``fitted_on["floor"]`` names
    where the file has it and the features hold what it reads. Why: a stacker that adds a
    feature (the word-order ``tp_order``, issue 15 stop 41) may raise a verdict but must not
    shrink the one its base calibrator already gives (out of sample it lowered trojanscope's
    own TextCNNs: docs/benchmarks.md)."""
    p = cal.probability(features)
    base = calibrators.get(str(cal.fitted_on.get("floor", "")))
    if base is None or any(f not in features for f in base.features):
        return p
    return max(p, base.probability(features))


def _uncalibrated(traits: list[str], covered: dict[str, int]) -> bool:
    """A trait in :data:`UNCALIBRATED_OUT_OF_COVERAGE` that the calibration lacked."""
    return any(t in UNCALIBRATED_OUT_OF_COVERAGE and int(covered.get(t, 0)) < MIN_COVERED
               for t in traits)


def calibrate(
    verdict: ModelVerdict, calibrators: dict[str, Calibrator] | None = None
) -> ModelVerdict:
    """Set ``verdict.probability`` (and ``features['calibrated']``) in place; returns it. A
    trait that only adds a note (``coverage.noted_only``) is set aside while the probability
    is computed, then named in a note."""
    noted = noted_only(verdict.traits)
    shown = verdict.traits
    if routed(shown) == list(shown):  # nothing set aside
        return _calibrate(verdict, calibrators)
    # a noted trait, or two classes (stop 69): the probability as for any model, then a note
    # (two classes: a score to review, detect/two_class.py)
    verdict.traits = routed(shown)
    try:
        _calibrate(verdict, calibrators)
    finally:
        verdict.traits = shown
    two_class_term(verdict, UNCALIBRATED_NOTE)
    said = [f"{describe(t)}: no calibration has such models; the probability is computed as "
            "if the model had none, an extrapolation to review" for t in noted]
    verdict.coverage_notes = [*verdict.coverage_notes,  # calibrating twice says it once
                              *(n for n in said if n not in verdict.coverage_notes)]
    return verdict


def calibrate_model(verdict: ModelVerdict, calibrators: dict[str, Calibrator] | None,
                    model: nn.Module, detector: object) -> str | None:
    """:func:`calibrate`, then the data-free mask gate on ``model`` and ``detector``'s kept
    maximising inputs where ``calibrators`` carries its entry (``mask_gate.gate_read``); returns
    the gate's note where it lowered. The one step ``detect``, ``audit`` and ``zoo eval`` call
    (stop 77, hcode: each ran the two calls itself, and a fourth caller could miss the gate)."""
    calibrators = load_calibrators() if calibrators is None else calibrators
    calibrate(verdict, calibrators)
    return gate_read(verdict, model, detector, calibrators)


def _calibrate(
    verdict: ModelVerdict, calibrators: dict[str, Calibrator] | None = None
) -> ModelVerdict:
    calibrators = load_calibrators() if calibrators is None else calibrators
    from trojanscope.detect.tree_wide_boxes import remap_box_above  # it imports this module

    remap_box_above(verdict.features, calibrators)  # the wide box on this file's map (stop 75)
    for name in ("raise_logit", *OWN_LIFT.values(), "probability_unraised", "lower_logit",
                 "raise_name_held", EXCESS, EXCESS_LOGIT, EXCESS_BEFORE, CENTRE_LOGIT, TWIN_LOGIT,
                 GAP_LOGIT, GAP_BEFORE, FLIP_LOGIT, FLIP_BEFORE, NAMED_LOGIT, NAMED_STAND,
                 BLEND_CLASS, BLEND_RAISE, FRAME_OFF, SINK_LOGIT, SINK_BEFORE, SINK_SHARE,
                 MASK_LOGIT, MASK_BEFORE, LOOK_LOGIT, LOOK_BEFORE, EXCESS_OWN, MASK_BY_RECIPE,
                 LOW_LOGIT, SIG_LOGIT, SIG_BY_SHARE, MASK_BY_NOISE, HEAT_LOGIT, HEAT_BEFORE,
                 LOW_LOGIT + PAST, SIG_LOGIT + PAST,
                 *(k for k in verdict.features if k.startswith(EXCESS_MASK_LINE))):
        verdict.features.pop(name, None)  # calibrating twice raises once; no stale raise
    verdict.term_notes = []  # nor a stale term's note
    sig = verdict.features.pop(SIG_UNNAMED, None)  # the SIG term's (stop 78, last)
    low = verdict.features.pop(LOW_UNNAMED, None)  # the blend-low term's (stop 77)
    first = verdict.features.pop("unraised_top_class", None)
    checked = verdict.features.pop(UNCHECKED_CLASS, None)  # then the named check's (stop 70)
    for was in (sig, low, first, checked):  # undone in the reverse order the terms renamed
        if was is not None and int(was) in verdict.target_classes:  # nor a raise's order
            verdict.target_classes.remove(int(was))
            verdict.target_classes.insert(0, int(was))
    key = (
        f"{verdict.method}:data-free"
        if verdict.data_free and f"{verdict.method}:data-free" in calibrators
        else verdict.method
    )
    unread = []  # a feature the family's calibrator would read and this file cannot
    if verdict.family:  # a calibrator of the model's own family, the most specific there is
        parts = verdict.family.split(":")
        # the word-order feature ("order", or "order-docsN" for the search kept to tokens N
        # clean sentences hold): its own calibrator, else
        # a clean-file size band ("rows200", tabular-search): its own calibrator, else the
        # family's whole-split one, said in a note (:mod:`.tabular_file_size`)
        band = parts[-1] if is_band(parts[-1]) else None
        if band:
            parts = parts[:-1]
        order = parts[-1] == "order" or parts[-1].startswith("order-docs")
        if order:  # the family without it, by the same rules
            parts = parts[:-1]
        lengths = list(range(len(parts), 0, -1))
        if parts and parts[-1] == "arch" and "phrase" in parts:  # a standardised lift: its
            lengths = [len(parts), parts.index("phrase")]  # own calibrator, never a phrase one
        names = [verdict.family] if order or band else []
        names += [":".join(parts[:n]) for n in lengths if n]
        full = f"{key}:{verdict.family}"
        key = next((k for name in names if (k := f"{key}:{name}") in calibrators), key)
        if band and key != full:
            unread.append(band_missing_note(band, key))
            # one size note: the detector's quotes figures read with the band's calibrators,
            # which this file lacks; the band note says so instead (review of issue 16 stop 46)
            verdict.detector_notes = [n for n in verdict.detector_notes if not is_size_note(n)]
            verdict.coverage_notes = [n for n in verdict.coverage_notes if not is_size_note(n)]
        elif order and key != full:
            unread.append(f"tp_order not read: no {full!r} calibrator in this file")
    cal = calibrators.get(key)
    if cal is not None:
        family_key = key  # the gap term reads the family's band, whichever calibrator scores
        # a reading outside the calibrator's fitted range: its out-of-range one, said in a note
        key, cal, ranged = range_guard(key, cal, calibrators, verdict.features)
        covered = cal.fitted_on.get("coverage")
        notes = coverage_notes(verdict.traits, covered) if covered is not None else []
        notes += ranged
        wider_key, wider = next(((k, c) for k in (f"{key}:{OUT_OF_COVERAGE}",
                                                  f"{verdict.method}:{OUT_OF_COVERAGE}")
                                 if (c := calibrators.get(k)) is not None
                                 and all(f in verdict.features for f in c.features)),
                                (key, None))
        scored_by = key
        if notes and wider is not None:
            # The default calibrator never saw models like this one; the one fitted on a wider
            # pool (more architectures, a second training recipe) gives the probability.
            n = wider.fitted_on.get("n_models", "?")
            notes = [f"{note} in the default calibration" for note in notes]
            if (wider_covered := wider.fitted_on.get("coverage")) is not None:
                notes += wider_gap_notes(verdict.traits, wider_covered)
            notes.append(f"probability from the wider calibration ({n} models, two training "
                         "recipes; leave-one-family-out figures in docs/benchmarks.md)")
            cal, scored_by = wider, wider_key
        verdict.probability = floored_probability(cal, calibrators, verdict.features)
        lower_term(verdict, calibrators, scored_by, notes)  # said by lower_note, not a note
        excess_term(verdict, calibrators, scored_by)  # only where "<scorer>:excess" is read
        if not reads_twins(verdict, calibrators, scored_by):  # the twins replace the kind
            centre_term(verdict, calibrators, scored_by)  # only where "<scorer>:centre" is read
        twins_term(verdict, calibrators, scored_by)  # only where "<scorer>:twin-stand" is read
        named_term(verdict, calibrators, scored_by)  # "<scorer>:named-check" (opt-in, s63)
        if (note := named_note(verdict.features)) is not None:
            verdict.term_notes.append(note)
        sink_term(verdict, calibrators, scored_by)  # "<scorer>:blend-sink" (stop 75)
        if (note := sink_note(verdict.features, verdict.target_classes[0]
                              if verdict.target_classes else None)) is not None:
            verdict.term_notes.append(note)
        gap_raise(verdict, calibrators, family_key)  # only where "<family>:gap" is read
        if lever_lower(verdict, calibrators, family_key):  # "<family>:lever" (opt-in, stop 62)
            verdict.term_notes.append(lever_note(verdict.features) or "")
        if look_lower(verdict, calibrators, family_key):  # "<family>:clean-look" (stop 76)
            verdict.term_notes.append(look_note(verdict.features) or "")
        if heat_lower(verdict, calibrators, family_key):  # "<family>:group-heat" (stop 81)
            verdict.term_notes.append(heat_note(verdict.features) or "")
        unread += unread_terms(verdict, calibrators, scored_by)
        notes += [n for _, t in readable_raise_terms(verdict, calibrators)
                  if (n := gate_note(t, verdict.traits)) is not None]
        for raised in raise_term(verdict, calibrators):
            raised_on = raised.fitted_on.get("coverage")
            if raised_on is not None:  # the raise was measured on fewer kinds of model than
                # the calibrator: say where it never was (one line per uncovered trait)
                notes += [n for n in (t.replace("calibration has",
                                                "the raise term's calibration has")
                                      for t in coverage_notes(verdict.traits, raised_on))
                          if n not in notes]
        # "<scorer>:blend-low" (stop 77): last, so no later term reads the class it names
        low_term(verdict, calibrators, scored_by)
        if (note := low_note(verdict.features)) is not None:
            verdict.term_notes.append(note)
        # "<scorer>:sig" (stop 78): after blend-low, the last term, so none reads its class
        sig_term(verdict, calibrators, scored_by)
        if (note := sig_note(verdict.features)) is not None:
            verdict.term_notes.append(note)
        verdict.features["calibrated"] = 0.0 if verdict.score_only else 1.0
        if covered is not None and _uncalibrated(verdict.traits, covered):
            # measured: no calibrator separates such models (docs/benchmarks.md), so the
            # probability is shown as the detector's score, not as a probability to act on
            verdict.features["calibrated"] = 0.0
            notes.append(f"{UNCALIBRATED_NOTE} for such models (no calibration "
                         "separated clean from backdoored ones): a ranking score to review, "
                         "not evidence")
            verdict.short_notes[notes[-1]] = (f"{UNCALIBRATED_NOTE} for such models: a "
                                              "ranking score to review, not evidence")
        said = one_kind_note(scored_by, verdict.traits, covered, cal.fitted_on.get("n_models"),
                             UNCALIBRATED_NOTE)
        if said is not None:  # e.g. a MiniLM scored by a calibration of TextCNNs alone
            verdict.features["calibrated"] = 0.0
            notes.append(said)
        verdict.coverage_notes = [*verdict.detector_notes, *unread, *notes]  # the detector's
        # own stay
    else:
        centre = FALLBACK_CENTRES.get(verdict.method, 2.0)
        verdict.probability = 1.0 / (1.0 + math.exp(-2.0 * (verdict.statistic - centre)))
        verdict.features["calibrated"] = 0.0
        # said in words too: a reader of the verdict (the audit, a report) must not take the
        # fallback curve for a probability
        note = (f"{UNCALIBRATED_NOTE}: the calibration file has no {key!r} calibrator, "
                f"so the score is a fixed curve of the raw statistic (centre {centre:g}): a "
                "ranking score to review, not evidence")
        verdict.coverage_notes = [*verdict.coverage_notes,  # calibrating twice says it once
                                  *(n for n in (*unread, note) if n not in verdict.coverage_notes)]
    return verdict
