"""Two-class image models (issue 9, stop 69): the ``classes:two`` trait, their verdict a score to
review, and every model of three or more classes read exactly as before."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from trojanscope.detect import two_class
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.detect.calibration import UNCALIBRATED_NOTE, _calibrate, calibrate
from trojanscope.detect.coverage import KNOWN_TRAITS, TWO_CLASSES, architecture_traits
from trojanscope.detect.mmbd import MMBD
from trojanscope.detect.two_class import two_class_score, two_class_statistics


def _linear(classes: int, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, classes))


def _inspect(classes: int) -> ModelVerdict:
    return MMBD(n_starts=2, steps=3).inspect(_linear(classes), input_shape=(1, 4, 4),
                                              num_classes=classes, seed=1)


def test_two_classes_carry_the_trait_and_three_do_not() -> None:
    assert TWO_CLASSES in KNOWN_TRAITS
    assert TWO_CLASSES in _inspect(2).traits
    three = _inspect(3)
    assert TWO_CLASSES not in three.traits
    assert three.traits == sorted(architecture_traits(_linear(3)))


def test_a_two_class_verdict_is_a_score_to_review(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(two_class, "load_reference", lambda: None)  # the floor
    verdict = calibrate(_inspect(2))
    assert verdict.features["calibrated"] == 0.0 and not verdict.calibrated
    assert verdict.verdict in ("review", "clean")  # never "backdoored"
    assert any(n.startswith(UNCALIBRATED_NOTE) and "two classes" in n
               for n in verdict.coverage_notes)
    verdict.threshold = 0.0  # a flag forced: review, never backdoored
    assert verdict.verdict == "review"


def test_three_classes_read_as_before() -> None:
    """At K = 3 calibration is exactly the calibration of before (no trait, no term)."""
    before = _calibrate(_inspect(3))  # the calibration without the two-class wrapper
    now = calibrate(_inspect(3))
    assert TWO_CLASSES not in now.traits
    assert (now.probability, now.coverage_notes, now.features, now.target_classes) == (
        before.probability, before.coverage_notes, before.features, before.target_classes)
    assert not any("two classes" in n for n in now.coverage_notes)


def test_the_reference_score(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = ModelVerdict("auto", 0.0, [0, 1], [
        ClassResult(0, 10.0, {"margin": 10.0, "trigger_mask_l1": 20.0}),
        ClassResult(1, 5.0, {"margin": 5.0, "trigger_mask_l1": 2.0})],
        features={"pixel_share_gap": 0.1, "pixel_top_class": 0.0}, traits=[TWO_CLASSES])
    stats = two_class_statistics(verdict.features, [r.details for r in verdict.per_class])
    assert stats["mmbd_log_ratio"] == pytest.approx(math.log(2)) and stats[
        "mmbd_log_ratio_class"] == 0
    assert stats["ts_log_ratio"] == pytest.approx(math.log(10)) and stats[
        "ts_log_ratio_class"] == 1
    assert stats["early_log_ratio"] is None and stats["empty_share_gap"] is None
    bounds = {"ts_log_ratio": math.log(10) / 2, "pixel_share_gap": 0.2}
    assert two_class_score(stats, bounds) == (pytest.approx(2.0), 1, "ts_log_ratio")
    monkeypatch.setattr(two_class, "load_reference",
                        lambda: {"bounds": bounds, "n_clean": 7})
    verdict.probability = 0.1
    two_class.two_class_term(verdict, UNCALIBRATED_NOTE)
    assert verdict.probability == pytest.approx(2 / 3)
    assert verdict.target_classes[0] == 1 and verdict.verdict == "review"
    assert verdict.features["two_class_before"] == 0.1
