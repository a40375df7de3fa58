"""Two-class image models: statistics that are defined where MM-BD's is not (issue 9, stop 69).

MM-BD fits its null to the maximum margins of every class but the largest; with two classes
that is one value, so its p-value is 0 whatever the model and its MAD anomaly divides the gap
between the two margins by zero (~1e12-1e13 for any model). A two-class model's verdict
therefore rests on numbers no calibration population had (``classes:two`` in
:mod:`trojanscope.detect.coverage`). The statistics here compare the two classes within the
model, free of its logit scale: how much larger one class's maximum margin is than the other's
(MM-BD's ascent, and its first steps), how much smaller a trigger the search needs for one
class than for the other, and the probes' share gaps (already within-model).

Every two-class verdict is a score to review (:func:`two_class_term`). The score read against a
reference of clean two-class models (candidate C2c) did not meet its rule at stop 69 (ROC-AUC
0.802 against the calibrator's 0.854 on fresh seeds 9910-9911; docs/benchmarks.md), so the
shipped ``two_class_reference.json`` holds no bounds and the probability is the calibrator's.
The stop-70 candidate T70 reads the model against clean twins of the same pair of classes
(:func:`pair_twin_features`, :func:`twin_statistics`); it flagged no fresh clean model but ranked
below the calibrator too (ROC-AUC 0.891 against 0.938 on fresh seed 9912), so it is not shipped
either: ``auto`` trains twins only where the reference bounds a ``twin_*`` statistic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import torch

from trojanscope.detect.coverage import TWO_CLASSES as TWO_CLASSES

if TYPE_CHECKING:
    from trojanscope.detect.base import InspectionTarget, ModelVerdict


def _log_ratio(values: Sequence[float | None], larger: bool) -> tuple[float | None, int | None]:
    """``log(max / min)`` of two positive values and the class of the larger (``larger``) or
    the smaller one; None where a value is missing or not positive."""
    if len(values) != 2 or any(v is None or not v > 0 or not math.isfinite(v) for v in values):
        return None, None
    a, b = float(values[0]), float(values[1])  # type: ignore[arg-type]
    top = (0 if a >= b else 1) if larger else (0 if a <= b else 1)
    return abs(math.log(a / b)), top


def two_class_statistics(features: Mapping[str, float],
                         per_class: Sequence[Mapping[str, float]]) -> dict[str, float | None]:
    """The within-model statistics of a two-class verdict, from its features and its per-class
    details in class order (``ModelVerdict.per_class[i].details`` or a JSON report's
    ``per_class`` rows): each ``<name>`` with the class it points at (``<name>_class``)."""
    out: dict[str, float | None] = {}
    for name, key, larger in (("mmbd_log_ratio", "margin", True),
                              ("early_log_ratio", "early_margin", True),
                              ("ts_log_ratio", "trigger_mask_l1", False)):
        value, cls = _log_ratio([row.get(key) for row in per_class], larger)
        out[name], out[f"{name}_class"] = value, cls
    for probe in ("empty", "pixel", "frame"):
        gap = features.get(f"{probe}_share_gap")
        out[f"{probe}_share_gap"] = None if gap is None else float(gap)
        top = features.get(f"{probe}_top_class")
        out[f"{probe}_share_gap_class"] = None if top is None else int(top)
    return out


REFERENCE_FILE = "two_class_reference.json"
PAIR_PROBES = ("empty", "pixel", "frame")  # the readings a twin is read by
PAIR_TWINS = 3  # clean twins a two-class model is read against (development, stop 70)
OWN, TWIN = "pair_", "pair_twin_"  # a verdict's features: the model's readings, its twins'


def load_reference() -> dict | None:
    """The shipped reference of clean two-class models (``two_class_reference.json``: the
    bound of each statistic, fitted on development seeds only by
    ``benchmarks/two_class_fit.py``), or None where the file holds no statistics (the floor:
    every two-class verdict is a score to review)."""
    import json
    from importlib import resources

    text = resources.files("trojanscope.detect").joinpath(REFERENCE_FILE).read_text()
    table = json.loads(text)
    return table if table.get("bounds") else None


def reads_twins() -> bool:
    """Whether the shipped reference bounds a twin statistic: only then does ``auto`` train
    and read the clean twins of a two-class image model (:func:`pair_twin_features`)."""
    return any(k.startswith("twin_") for k in (load_reference() or {}).get("bounds", {}))


def two_class_score(stats: Mapping[str, float | None],
                    bounds: Mapping[str, float]) -> tuple[float, int | None, str | None]:
    """The largest ``statistic / bound`` over the statistics the verdict has, the class that
    statistic points at and its name; ``(0, None, None)`` where none is read."""
    best: tuple[float, int | None, str | None] = (0.0, None, None)
    for name, bound in bounds.items():
        value = stats.get(name)
        if value is None or not bound > 0:
            continue
        ratio = float(value) / float(bound)
        if ratio > best[0]:
            cls = stats.get(f"{name}_class")
            best = (ratio, None if cls is None else int(cls), name)
    return best


def two_class_term(verdict: ModelVerdict, begins: str) -> None:
    """Make a calibrated verdict on a two-class model a score to review (``calibrated``
    false, a note beginning ``begins`` that says why); where the shipped reference holds
    bounds, its probability becomes ``r / (1 + r)``, ``r`` the largest statistic over its
    clean bound (:func:`two_class_score`: at or above 0.5 exactly where one statistic is beyond
    every clean development model's), naming that statistic's class; where the reference is
    marked ``calibrated`` (its rule met on a fresh population) and the verdict has its twins'
    readings (:func:`pair_twin_features`), that score is a calibrated verdict. Nothing for any
    other model. Calibration (``calibration.calibrate``) computes the probability first as for
    any model, the trait set aside, then calls this."""
    if TWO_CLASSES not in verdict.traits:
        return
    verdict.score_only = True
    verdict.features["calibrated"] = 0.0
    table = load_reference() or {}
    bounds: dict[str, float] = table.get("bounds", {})
    said = (f"{begins} for two classes: MM-BD's null is the other class's margin alone, so "
            "its statistic is undefined and no calibration holds two-class models")
    rows = [r.details for r in sorted(verdict.per_class, key=lambda r: r.cls)]
    stats = {**two_class_statistics(verdict.features, rows), **twin_statistics(
        _strip(verdict.features, OWN), _strip(verdict.features, TWIN))}
    if verdict.probability is not None and any(stats.get(k) is not None for k in bounds):
        ratio, cls, name = two_class_score(stats, bounds)  # data-free: none read, the floor
        verdict.features["two_class_before"] = float(verdict.probability)
        verdict.features["two_class_score"] = ratio
        verdict.probability = ratio / (1.0 + ratio)
        if cls is not None and cls in verdict.target_classes:
            verdict.target_classes.remove(cls)
            verdict.target_classes.insert(0, cls)
        if table.get("calibrated") and any(k.startswith("twin_") and stats.get(k) is not None
                                           for k in bounds):
            verdict.score_only = False
            verdict.features["calibrated"] = 1.0
            return
        said += (f"; the score is the two-class statistic furthest beyond its bound over "
                 f"{table.get('n_clean', '?')} clean development two-class models "
                 f"({name or 'none beyond 0'}: {ratio:.2f} of its bound), a ranking to "
                 "review, not evidence")
    else:
        said += ": a ranking score to review, not evidence"
    verdict.coverage_notes = [*verdict.coverage_notes,
                              *(n for n in (said,) if n not in verdict.coverage_notes)]


def _strip(features: Mapping[str, float], prefix: str) -> dict[str, float]:
    """The probes' readings stored under ``prefix`` (``pair_``, ``pair_twin_``)."""
    return {p: features[prefix + p] for p in PAIR_PROBES if prefix + p in features}


def pair_readings(target: InspectionTarget, seed: int, steps: int,
                  search: bool = True) -> dict[str, float]:
    """The signed two-class readings of ``target`` (a two-class image model with clean images)
    that a clean twin of the same pair is read by too: each probe's share of class-0 inputs
    sent to class 1 minus its share of class-1 inputs sent to class 0 (``empty``: the
    empty-pixel perturbation, one draw; ``pixel``: the greedy pixel probe with ``steps`` pixels,
    five draws; ``frame``: the lit ring, the width with the larger gap), and where ``search``
    the trigger search's ``log(mask_0 / mask_1)`` (``ts``) and MM-BD's ``log(margin_1 /
    margin_0)`` (``mmbd``). Positive: class 1 is the easier to reach. Each probe is seeded as
    ``auto`` seeds it, so the model's readings are the ones its verdict records."""
    from trojanscope.detect.frame import FRAME_WIDTHS, frame_hits
    from trojanscope.detect.pixels import pixel_hits
    from trojanscope.detect.universal import UniversalPerturbation, drawn_gap

    def signed(shares: torch.Tensor) -> float:
        return round(float(shares[1] - shares[0]), 6)

    probe = UniversalPerturbation(pattern="empty")
    _, empty = drawn_gap(lambda g: probe.hits(target, g), seed, 1, "empty")
    _, pixel = drawn_gap(lambda g: pixel_hits(target, g, steps), seed, 5, "pixel")
    frames = [signed(frame_hits(target, torch.Generator().manual_seed(seed), w).mean(1))
              for w in FRAME_WIDTHS if 2 * w < min(target.input_shape[-2:])]
    out = {"empty": signed(empty), "pixel": signed(pixel),
           "frame": max(frames, key=abs) if frames else 0.0}
    if search:
        from trojanscope.detect.mmbd import MMBD
        from trojanscope.detect.trigger_search import TriggerSearch

        found = TriggerSearch().run(target, torch.Generator().manual_seed(seed))
        l1 = [r.details["mask_l1"] for r in sorted(found.per_class, key=lambda r: r.cls)]
        out["ts"] = math.log(max(l1[0], 1e-6) / max(l1[1], 1e-6))
        margins = [r.details["margin"] for r in sorted(
            MMBD().run(target, torch.Generator().manual_seed(seed)).per_class,
            key=lambda r: r.cls)]
        out["mmbd"] = math.log(max(margins[1], 1e-6) / max(margins[0], 1e-6))
    return out


def pair_steps(target: InspectionTarget) -> tuple[bool, int]:
    """Whether ``auto`` reads the model as a network without a convolution, and the pixels its
    greedy probe then sets (15, else 5: ``auto``'s ``dense_pixel_steps`` and ``PIXEL_STEPS``),
    so that a twin is read with the model's own probe."""
    from trojanscope.detect.pixels import PIXEL_STEPS
    from trojanscope.mitigate.stripe_projection import dense_network, script_dense_network

    assert target.clean is not None
    dense = bool(dense_network(target.model, target.clean.x[:2])
                 or script_dense_network(target.model))
    return dense, min(15 if dense else PIXEL_STEPS, target.clean.x[0, 0].numel())


def twin_architecture(dense: bool, traits: set[str] | frozenset[str],
                      input_shape: tuple[int, ...]) -> torch.nn.Module:
    """The architecture a clean twin of a two-class image model is drawn from: trojanscope's
    MLP for a model without a convolution (``dense``), else its LeNet-5, tanh where the model
    has tanh layers (``activation:tanh`` among its ``traits``), else ReLU. Not the user's own
    architecture: a TorchScript or ONNX model often cannot be redrawn, and the twins read the
    pair of classes, not the model."""
    from trojanscope import registry

    act = "tanh" if "activation:tanh" in traits else "relu"
    return registry.create("arch", "mlp" if dense else "lenet5", input_shape=input_shape,
                           num_classes=2, activation=act)


def twin_medians(twins: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per probe, the median of the twins' signed readings."""
    import statistics

    return {p: float(statistics.median(t[p] for t in twins)) for p in PAIR_PROBES}


def twin_statistics(own: Mapping[str, float], twins: Mapping[str, float]
                    ) -> dict[str, float | None]:
    """Per probe, ``twin_<probe>``: how far the model's signed reading (:func:`pair_readings`)
    lies from its twins' median (:func:`twin_medians`), what the pair of classes does not
    explain; ``twin_<probe>_class`` the class it points at (1 where the model leans further
    towards class 1). In :func:`two_class_score`'s form, so one bound table serves both."""
    out: dict[str, float | None] = {}
    for p in PAIR_PROBES:
        if p in own and p in twins:
            excess = float(own[p]) - float(twins[p])
            out[f"twin_{p}"], out[f"twin_{p}_class"] = abs(excess), int(excess > 0)
    return out


def pair_twin_features(target: InspectionTarget, seed: int, count: int = PAIR_TWINS
                       ) -> dict[str, float]:
    """A two-class image model's signed readings (``pair_<probe>``) and the median of
    ``count`` clean twins' (``pair_twin_<probe>``; :func:`twin_architecture` trained on the
    clean images by :func:`~trojanscope.detect.image_twins.train_twins`), with
    ``pair_twin_count``."""
    from trojanscope.detect.coverage import architecture_traits
    from trojanscope.detect.image_twins import train_twins

    dense, steps = pair_steps(target)
    own = pair_readings(target, seed, steps, search=False)
    shape = tuple(target.input_shape)
    module = twin_architecture(dense, architecture_traits(target.model), shape)
    twins = [pair_readings(type(target)(t, shape, 2, target.clean), seed, steps, search=False)
             for t in train_twins(module, target.clean, count, seed)]
    return {**{OWN + p: v for p, v in own.items()},
            **{TWIN + p: v for p, v in twin_medians(twins).items()},
            f"{TWIN}count": float(count)}
