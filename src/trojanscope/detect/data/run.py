"""The one entry point of data-level detection (the CLI, the audit step and the benchmark call
it): features from the given or a freshly trained model, one detector, flags, ground truth."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import BatchDataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.data.text import is_text
from trojanscope.detect.data.base import (
    DataDetection,
    DataDetector,
    GroundTruthScore,
    target_classes,
)
from trojanscope.detect.data.features import Features, model_features, train_features
from trojanscope.detect.data.shared_values import table_features, table_of
from trojanscope.errors import UserInputError

TEXT_AUTO = "text-ngrams"  # text data: measured in benchmarks/bench_text_detect_data.py
# Whether a set judged clean keeps its per-sample flags: measured in
# benchmarks/bench_detect_data_verdict.py (docs/detect-data.md, "Set-level verdict").
FLAG_WHEN_CLEAN = False


def make_detector(method: str | DataDetector, **params: Any) -> DataDetector:
    """A registered data detector by name (unknown names/parameters: user errors)."""
    if isinstance(method, DataDetector):
        return method
    return registry.create("data-detector", method, **params)


def resolve_detector(detector: DataDetector, data: BatchDataset, *, with_features: bool
                     ) -> DataDetector:
    """What ``auto`` / ``auto-features`` mean for this data: ``label-groups`` for tables
    (measured in bench_tabular_detect), ``text-ngrams`` for sentences without a model or
    features to read (bench_text_detect_data); otherwise the detector itself."""
    if detector.name not in ("auto", "auto-features"):
        return detector
    if schema_of(data) is not None:
        kind, chosen = "a table", "label-groups"
    elif is_text(data) and not with_features:
        kind, chosen = "sentences without a model or features", TEXT_AUTO
    else:
        return detector
    set_ = given_params(detector)
    if set_:  # validated, then dropped with the switch: refuse instead of ignoring them
        names = ", ".join(set_)
        raise UserInputError(
            f"{names} {'is a parameter' if len(set_) == 1 else 'are parameters'} of "
            f"{detector.name}, which this data does not use: for {kind} {detector.name} runs "
            f"{chosen}; drop {names} or choose --method {chosen}")
    return make_detector(chosen)


def given_params(detector: DataDetector) -> list[str]:
    """The parameters of ``detector`` that differ from its defaults (``seed`` aside)."""
    default = make_detector(detector.name).get_params()
    return [k for k, v in detector.get_params().items()
            if k != "seed" and not (v == default.get(k) or v is default.get(k))]


def features_for(
    data: BatchDataset, model: nn.Module | None = None, *, seed: int = 0, source: str = "given"
) -> Features:
    """The features detectors read: of ``model`` when given, else of one trained on ``data``."""
    if len(data) == 0:
        raise UserInputError("the data set is empty")
    if model is not None:
        return model_features(model, data, source)
    if is_text(data):
        from trojanscope.detect.data.text_features import train_text_features

        return train_text_features(data, seed=seed)
    return train_features(data, seed=seed)


def detect_data(
    data: BatchDataset,
    model: nn.Module | None = None,
    *,
    method: str | DataDetector = "auto",
    seed: int = 0,
    poison: np.ndarray | torch.Tensor | None = None,
    features: Features | None = None,
    model_source: str = "given",
    **params: Any,
) -> DataDetection:
    """Score every sample of ``data`` for poison with ``method``.

    ``model`` gives the features (else a short training run on ``data`` does); ``features``
    reuses features computed before (the benchmark shares them between methods);
    ``model_source`` names the model in errors and in the result. ``poison``, a
    boolean mask of known poison, is used only to score the result, never by the detector.
    """
    given = make_detector(method, **params)
    detector = resolve_detector(given, data,
                                with_features=model is not None or features is not None)
    if (isinstance(method, str) or detector is not given) and "seed" in detector.get_params():
        detector.seed = int(seed)  # ``seed`` reaches the detector's own random choices too
    text = is_text(data)
    t0 = time.perf_counter()
    if features is None and model is None and getattr(detector, "needs_model", True):
        # the counts the method needs, before minutes of feature training, not after (a given
        # model's features come first: its check names labels outside the model's classes)
        detector.check_labels(np.asarray(data.labels), data.num_classes)
    if features is None and not getattr(detector, "needs_model", True):
        if text:
            from trojanscope.detect.data.text_features import text_features

            features = text_features(data)
        else:
            features = table_features(data)
    feats = features if features is not None else features_for(data, model, seed=seed,
                                                                 source=model_source)
    if feats.table is None:
        feats.table = table_of(data)
    if feats.data is None:
        feats.data = data
    if text and feats.texts is None:
        feats.texts = tuple(data.texts)
    detector.check(feats)
    t1 = time.perf_counter()
    scores, flagged = detector.run(feats)
    flagged = np.asarray(flagged, dtype=np.int64)
    labels = feats.labels.numpy()
    details: dict[str, Any] = {"params": detector.get_params()}
    verdict = detector.set_verdict()
    uncalibrated = None
    if verdict is not None:
        # the thresholds were set on what the method reads (images: features of the model
        # trained here); uncalibrated features: the verdict is shown but decides nothing
        calibrated = detector.verdict_calibrated(feats)
        details.update(verdict={**verdict.as_dict(), "calibrated": calibrated,
                                "of": detector.verdict_of},
                       evidence=getattr(detector, "evidence", {}), candidates=len(flagged))
        if not calibrated:
            if len(flagged):  # stop 75: a clean reading with --model flagged 15 of 200, no word
                uncalibrated = uncalibrated_note(detector.name, verdict.poisoned, len(flagged),
                                                 str(feats.info.get("source", "the model")))
            verdict = None
        elif not verdict.poisoned and not FLAG_WHEN_CLEAN:
            flagged = flagged[:0]
        elif verdict.poisoned:
            flagged = detector.confine_flags(flagged, labels, verdict)
    result = DataDetection(
        method=detector.name,
        suspicion=np.asarray(scores, dtype=np.float64),
        flagged=np.sort(flagged),
        target_classes=(target_classes(labels, flagged, feats.num_classes)
                        if verdict is None or verdict.poisoned else []),
        elapsed_s=time.perf_counter() - t0,
        feature_model=dict(feats.info),
        details={**details, "detect_s": round(time.perf_counter() - t1, 3)},
        poisoned=None if verdict is None else verdict.poisoned,
    )
    note = None if verdict is None else detector.verdict_note(len(labels))
    if note:
        result.notes.append(note)
    if uncalibrated:
        result.notes.append(uncalibrated)
    method_notes = detector.run_notes(feats.num_classes)
    result.notes.extend(method_notes)
    if detector.set_verdict() is None and len(flagged) and not method_notes:
        result.notes.append(unjudged_note(detector.name))
    if getattr(detector, "groups", None):  # label-groups: the best-scoring (label, value) groups
        result.details["groups"] = detector.groups
    if poison is not None:
        mask = np.asarray(poison.numpy() if isinstance(poison, torch.Tensor) else poison, bool)
        if mask.shape != (len(labels),):
            raise UserInputError(
                f"ground truth has {mask.shape[0]} entries but the data have {len(labels)}"
            )
        flag_mask = np.zeros(len(labels), dtype=bool)
        flag_mask[flagged] = True
        result.truth = GroundTruthScore.compute(result.suspicion, flag_mask, mask)
    return result


def uncalibrated_note(method: str, poisoned: bool, flagged: int, source: str) -> str:
    """The caveat beside flags kept because the set-level verdict read a given model's features,
    which it was never calibrated on (stop 75: a user's clean 200 images read with ``--model
    runs/clean`` exited 1 with 15 flags, ``"poisoned": null`` and no note; the verdict, in
    ``details``, had read no evidence of poisoning)."""
    said = "poisoned" if poisoned else "no evidence of poisoning"
    return (f"{method}'s set-level verdict read {said}, but it was calibrated on the features "
            f"of the model it trains itself, not on {source}'s, so it decides nothing here: the "
            f"{flagged} flags are samples to look at, not evidence either way (leave out --model "
            "to have the set judged)")


def unjudged_note(method: str) -> str:
    """The caveat beside flags no set-level verdict stands behind (stop 69: a user's clean
    200 images read through ``spectral`` exited 1 with 16 flags and no word of this)."""
    return (f"{method} gives no verdict on the whole set: it ranks the samples that stand out "
            "and flags some on clean sets too, so these flags are samples to look at, not "
            "evidence that the set is poisoned (`-m auto` judges a set of images as a whole)")
