"""Model-level detection: is this model backdoored, towards which class, with which trigger?

A detector is a small class registered as a ``detector``; its parameters are its ``__init__``
arguments and :meth:`ModelDetector.inspect` does the work, returning a :class:`ModelVerdict`.
Detectors never see the attacker's trigger or target: only the model and, when they need it,
a little clean data. Raw statistics become a probability through
:mod:`trojanscope.detect.calibration`.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.coverage import architecture_traits
from trojanscope.engine.modes import eval_mode
from trojanscope.errors import DataInputError, TooFewPerClass, UserInputError
from trojanscope.io.ts_sandbox import ChildRefusal
from trojanscope.params import ParamsMixin
from trojanscope.triggers.stamp import stamp


@dataclass
class ReversedTrigger:
    """A trigger recovered for one class: ``x' = (1 - mask) * x + mask * pattern``."""

    target: int
    mask: Tensor  # 1×H×W in [0, 1]
    pattern: Tensor  # C×H×W in [0, 1]

    def apply(self, x: Tensor) -> Tensor:
        return stamp(x, self.mask, self.pattern)


@dataclass
class ClassResult:
    """Per-class evidence. ``score``: higher means more suspicious as a backdoor target."""

    cls: int
    score: float
    details: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"class": self.cls, "score": self.score, **self.details}


@dataclass
class ModelVerdict:
    """What a detector concluded about one model.

    ``target_classes`` ranks every class, most suspicious first (the JSON form names only the
    first, and only when the model is flagged, under ``target_classes``).
    ``statistic`` is the method's raw model-level statistic (higher = more likely backdoored);
    ``features`` are the numbers a calibrator may use; ``probability`` is filled in by
    calibration; ``flagged`` is ``probability >= threshold``, and ``verdict`` says whether a
    flag is calibrated (``backdoored``) or not (``review``).
    """

    method: str
    statistic: float
    target_classes: list[int]
    per_class: list[ClassResult]
    features: dict[str, float] = field(default_factory=dict)
    triggers: dict[int, ReversedTrigger] = field(default_factory=dict)
    probability: float | None = None
    threshold: float = 0.5
    elapsed_s: float = 0.0
    data_free: bool = False
    traits: list[str] = field(default_factory=list)  # activations, pooling, norms (coverage.py)
    coverage_notes: list[str] = field(default_factory=list)  # traits calibration lacked, …
    # what the detector itself says limits its verdict (e.g. features it could not have
    # calibrated): every calibration keeps these at the head of ``coverage_notes``
    detector_notes: list[str] = field(default_factory=list)
    # a note's words for the console where they are shorter than the note (stop 74: a tree
    # file's size note quoted its figures' zoos and seeds, 13 lines at 80 columns); the note
    # itself stays whole in ``coverage_notes`` (JSON, reports)
    short_notes: dict[str, str] = field(default_factory=dict)
    # what a calibration term that moved the probability (or named the class) says: the
    # named-check, blend-sink, lever and clean-look terms'. Not coverage notes: the model is
    # covered, and the audit rates coverage notes MEDIUM (issue 9, stop 76: hfix2)
    term_notes: list[str] = field(default_factory=list)
    # tabular models: the trigger found per class, in the table's words ("job = partime and …")
    trigger_text: dict[int, str] = field(default_factory=dict)
    # the line under the trigger: how many of the given rows it moves (stop 77 h16t)
    trigger_reach: dict[int, str] = field(default_factory=dict)
    # the model family a method calibrates apart ("network", "tree:xgboost"): calibration.json's
    # most specific "<method>:<family>" entry serves it when there is one
    family: str = ""
    # the detector knows that no calibrator fits this model's features (e.g. a text
    # vocabulary whose ids are not frequency ranks): calibration still maps the features to a
    # probability, but marks it uncalibrated, so a flag reads "review", not "backdoored"
    score_only: bool = False

    def __post_init__(self) -> None:
        self.coverage_notes = [*self.detector_notes,
                               *(n for n in self.coverage_notes if n not in self.detector_notes)]

    @property
    def calibrated(self) -> bool:
        """Whether ``probability`` is a calibrated probability (not a fallback curve's or an
        out-of-coverage score: ``features["calibrated"]``, set by calibration)."""
        return bool(self.features.get("calibrated", 0.0))

    @property
    def flagged(self) -> bool:
        """At or above the threshold, calibrated or not."""
        return self.probability is not None and self.probability >= self.threshold

    @property
    def verdict(self) -> str:
        """``backdoored`` (flagged, calibrated), ``review`` (flagged, but the probability is
        not calibrated: the audit rates it medium, "needs review"), ``clean`` or
        ``unknown``."""
        if self.probability is None:
            return "unknown"
        if not self.flagged:
            return "clean"
        return "backdoored" if self.calibrated else "review"

    def evidence_rows(self) -> list[ClassResult]:
        """Per-class rows for a table: the class the verdict names first when it is flagged
        (``auto:raise`` may name the empty-pixel probe's class over MM-BD's top class, issue 9),
        then by score, highest first — so the table leads with the class the verdict names."""
        named = self.target_classes[0] if self.flagged and self.target_classes else None
        return sorted(self.per_class, key=lambda r: (r.cls != named, -r.score))

    def as_dict(self) -> dict[str, Any]:
        tabular = {}
        if self.trigger_text and self.target_classes:
            tabular = {"suspected_trigger": self.trigger_text.get(self.target_classes[0]),
                       "triggers_found": {str(k): v for k, v in self.trigger_text.items()}}
        return {
            **tabular,
            "verdict": self.verdict,
            "flagged": self.flagged,  # backdoored or review: what reports colour and name
            "probability": self.probability,
            "target_classes": self.target_classes[:1] if self.flagged else [],
            "suspected_target": self.target_classes[0] if self.target_classes else None,
            "ranking": self.target_classes,
            "method": self.method,
            "statistic": self.statistic,
            "threshold": self.threshold,
            "data_free": self.data_free,
            "features": self.features,
            "per_class": [c.as_dict() for c in self.per_class],
            "elapsed_s": self.elapsed_s,
            "traits": self.traits,
            "coverage_notes": self.coverage_notes,
            "term_notes": self.term_notes,  # printed beside the excess term's line
            # False: a fallback or out-of-coverage score, not a calibrated probability
            "calibrated": self.calibrated,
        }


@dataclass
class InspectionTarget:
    """The model under inspection and what is known about it."""

    model: nn.Module
    input_shape: tuple[int, ...]
    num_classes: int
    clean: TensorDataset | None = None


class ModelDetector(ParamsMixin, ABC):
    """Base class of model-level detectors.

    Subclasses set ``name``, ``needs_data`` and implement :meth:`run`; :meth:`inspect` adds
    input checks, timing and freezes the model's parameters while it runs.
    """

    name: str = "detector"
    needs_data: bool = True  # refuses to run without clean data
    uses_data: bool = True  # uses clean data when given (False: always data-free)
    min_per_class: int = 5
    # the names the detector can put in a verdict's ``features``, as glob patterns
    # (``mmbd_*``): ``zoo calibrate --features`` is checked against them before any model is
    # scored. Empty: not declared (a plug-in's detector), names checked at the first model.
    feature_names: tuple[str, ...] = ()

    @abstractmethod
    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        """Compute the verdict (without probability) for ``target``."""

    def inspect(
        self,
        model: nn.Module,
        clean: TensorDataset | None = None,
        *,
        input_shape: tuple[int, ...] | None = None,
        num_classes: int | None = None,
        seed: int = 0,
    ) -> ModelVerdict:
        """Inspect ``model`` (with ``clean`` data when the method needs it)."""
        target = prepare_target(model, clean, input_shape, num_classes, self)
        start = time.perf_counter()
        grads = [p.requires_grad for p in model.parameters()]
        for p in model.parameters():
            p.requires_grad_(False)
        try:
            with eval_mode(model):
                verdict = self.run(target, torch.Generator().manual_seed(seed))
        finally:
            for p, g in zip(model.parameters(), grads, strict=True):
                p.requires_grad_(g)
        verdict.elapsed_s = time.perf_counter() - start
        verdict.data_free = clean is None or not self.uses_data
        # the layers' traits, and any the detector read off the model (two classes: mmbd.py)
        verdict.traits = sorted(architecture_traits(model).union(verdict.traits))
        from trojanscope.io.models import mark_outside_calibration

        mark_outside_calibration(model, verdict)  # an skl2onnx network: a score to review
        return verdict


def undeclared_features(detector: type[ModelDetector] | ModelDetector,
                        names: list[str]) -> list[str]:
    """The ``names`` that none of ``detector``'s :attr:`ModelDetector.feature_names` patterns
    matches; none when it declares no patterns (nothing to check them against). Only patterns
    declared on the detector's own class count: a plug-in subclassing a built-in method (its
    own features) does not inherit the parent's list."""
    from fnmatch import fnmatchcase

    cls = detector if isinstance(detector, type) else type(detector)
    patterns = vars(cls).get("feature_names", ())
    if not patterns:
        return []
    return [n for n in names if not any(fnmatchcase(n, p) for p in patterns)]


def prepare_target(
    model: nn.Module,
    clean: TensorDataset | None,
    input_shape: tuple[int, ...] | None,
    num_classes: int | None,
    detector: ModelDetector,
) -> InspectionTarget:
    """Check that model and data fit each other and the detector's needs."""
    if clean is None and detector.needs_data:
        raise UserInputError(f"method {detector.name!r} needs clean data (--data or --dataset)")
    shape_from_data = False
    if clean is not None:
        if input_shape is not None and tuple(clean.input_shape) != tuple(input_shape):
            if len(input_shape) == 1 and (columns := _table_columns(clean)) is not None:
                from trojanscope.io.flat_input import table_width_words

                raise DataInputError(table_width_words(  # a table, once encoded (stop 68)
                    getattr(clean, "source", "") or "the data", columns,
                    int(input_shape[0]), "the model", values=math.prod(clean.input_shape)))
            raise DataInputError(
                f"data inputs have shape {tuple(clean.input_shape)} but the model expects "
                f"{tuple(input_shape)}"
            )
        shape_from_data = input_shape is None
        input_shape = tuple(clean.input_shape)
    if input_shape is None:
        from trojanscope.io.models import UNKNOWN_SHAPE

        raise UserInputError(UNKNOWN_SHAPE)
    example = getattr(model, "example_input", None)  # e.g. token ids of a text model
    # eval: a trial pass in train mode would move a BatchNorm's running statistics
    with torch.no_grad(), eval_mode(model):
        try:
            out = model(example(2) if example is not None else
                        torch.rand(2, *input_shape, generator=torch.Generator().manual_seed(0)))
        except ChildRefusal:  # the call crashed its sandboxed worker: said as it is
            raise
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if example is not None:  # the model failed on its own input, not on the data
                raise UserInputError(f"the model failed on its own example input: {first}"
                                     ) from None
            if shape_from_data and _table_columns(clean) is not None:
                raise DataInputError(table_misfit(model, clean, first)) from None
            # the data's shape when the model names none: then the data does not fit
            error = DataInputError if shape_from_data else UserInputError
            raise error(
                f"the model does not accept inputs of shape {tuple(input_shape)}: {first}"
            ) from None
    if out.ndim != 2:
        raise UserInputError(
            f"the model should output N×classes logits, got shape {tuple(out.shape)}"
        )
    if not torch.isfinite(out).all():
        raise UserInputError("the model produced NaN or Inf outputs")
    k = int(out.shape[1])
    if num_classes is not None and num_classes != k:
        raise UserInputError(f"the model outputs {k} classes but {num_classes} were expected")
    if k < 2:
        raise UserInputError(f"the model has {k} output class; detection needs at least 2")
    if clean is not None:
        if clean.num_classes > k:
            raise DataInputError(f"data has {clean.num_classes} classes but the model outputs {k}")
        check_per_class(clean, detector.min_per_class, detector.name, k)
    return InspectionTarget(model, tuple(input_shape), k, clean)


def _table_columns(clean: TensorDataset | None) -> list[str] | None:
    """A table's feature columns (its schema's, the label left out), or None for other data."""
    from trojanscope.data.tabular.table import schema_of

    schema = schema_of(clean)
    return None if schema is None else [c.name for c in schema.columns]


def table_misfit(model: nn.Module, clean: TensorDataset, first: str) -> str:
    """One line for a table the model (one whose input shape no file names: TorchScript) did
    not take on its first call: the table's columns against what the model reads, with images
    asked for where its layers are 2-D convolutions (names read when it was loaded)."""
    from trojanscope.detect.coverage import has_image_convolutions

    columns = _table_columns(clean) or []
    width = int(clean.input_shape[0]) if clean.input_shape else 0
    named = ", ".join(columns[:5]) + (f" and {len(columns) - 5} more" if len(columns) > 5 else "")
    values = f" ({width} values a row)" if width != len(columns) else ""
    line = (f"the data is a table of {len(columns)} feature column(s) ({named}){values}, "
            f"which the model does not take ({first})")
    if has_image_convolutions(model):
        line += ("; its layers are 2-D convolutions, an image model's: give it images (an .npz "
                 "with x of shape N x C x H x W, or a folder with one sub-folder of images per "
                 "class)")
    return line


def check_per_class(clean: TensorDataset, needed: int, method: str, k: int) -> None:
    """Too little clean data is a user error naming what is needed and what was given."""
    counts = torch.bincount(clean.labels, minlength=k)[: clean.num_classes].tolist()
    short = [c for c, n in enumerate(counts) if n < needed]
    if short:
        given = ", ".join(f"{c}: {n}" for c, n in enumerate(counts))
        shortage = (
            f"needs at least {needed} clean samples per class "
            f"({needed * clean.num_classes} in all); {len(clean)} given, per class {{{given}}}; "
            f"too few in class(es) {short[:10]}"
            + (f"; the model has {k} classes, the data labels only up to {clean.num_classes - 1}"
               if clean.num_classes < k else "")
        )
        raise TooFewPerClass(f"method {method!r} {shortage}", needed, method, shortage)


def balanced_sample(
    data: TensorDataset, per_class: int, generator: torch.Generator
) -> TensorDataset:
    """Up to ``per_class`` random samples of each class (clean data budgets for detectors)."""
    picks = []
    for c in range(data.num_classes):
        idx = torch.nonzero(data.labels == c).flatten()
        picks.append(idx[torch.randperm(len(idx), generator=generator)[:per_class]])
    return data.subset(torch.sort(torch.cat(picks)).values)


def mad_anomaly(values: Tensor) -> Tensor:
    """Anomaly index of each value against the median, in units of the consistent MAD
    (1.4826 × median absolute deviation), as Neural Cleanse uses it."""
    median = values.median()
    mad = (values - median).abs().median() * 1.4826
    return (values - median) / mad.clamp_min(1e-12)
