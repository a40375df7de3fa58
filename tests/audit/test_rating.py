"""The risk rating from findings and detection, without running an audit."""

from __future__ import annotations

from trojanscope.audit.rating import rate
from trojanscope.report.audit_result import AuditResult, StepResult
from trojanscope.report.model import Severity


def _result(detection: dict | None) -> AuditResult:
    return AuditResult(target="m", model_sha256="0" * 64, started_at="", command="", seed=0,
                       versions={}, steps=[StepResult("detect", "Backdoor detection")],
                       detection=detection)


def test_low_probability_inside_coverage_is_low() -> None:
    rating = rate(_result({"probability": 0.1, "coverage_notes": []}))
    assert rating.level == Severity.LOW and "no backdoor detected" in rating.reasons[0]


def test_low_probability_outside_coverage_is_inconclusive() -> None:
    notes = ["tanh activations: calibration has 0 such models in the default calibration"]
    rating = rate(_result({"probability": 0.1, "coverage_notes": notes}))
    assert rating.level == Severity.MEDIUM
    assert "inconclusive" in rating.reasons[0] and "tanh activations" in rating.reasons[0]


def test_a_class_not_searched_is_inconclusive_and_says_so() -> None:
    # tabular-search's trees (review of issue 16 stop 38): not a calibration-coverage gap
    notes = ["class 0 not searched: only 1 of the 103 clean rows of other classes answered "
             "rightly to flip (< min_sources 10); `-p min_sources=1` reads it"]
    rating = rate(_result({"probability": 0.1, "coverage_notes": notes, "calibrated": True}))
    assert rating.level == Severity.MEDIUM
    assert "not every class was searched" in rating.reasons[0]
    assert "class 0 not searched" in rating.reasons[0]
    assert "outside what" not in rating.reasons[0]


def test_a_clean_file_smaller_than_the_calibrations_is_inconclusive_and_says_so() -> None:
    # tabular-search's size note (issue 16 stop 39)
    from trojanscope.detect.tabular_file_size import size_note

    notes = [size_note(200, 891)]
    rating = rate(_result({"probability": 0.1, "coverage_notes": notes, "calibrated": True}))
    assert rating.level == Severity.MEDIUM
    assert ("the clean file has fewer rows than the detector's measured figures need"
            in rating.reasons[0])
    assert "holds 200 rows" in rating.reasons[0] and "outside what" not in rating.reasons[0]


def test_no_detection_is_medium() -> None:
    rating = rate(_result(None))
    assert rating.level == Severity.MEDIUM and "behaviour not checked" in rating.reasons[0]


def test_every_builtin_rule_carries_a_known_taxonomy() -> None:
    from trojanscope.audit.rules import builtin_rules
    from trojanscope.report.model import TAXONOMY_CLASSES

    rules = builtin_rules()
    assert {"TS101", "TS182", "TSA100", "TSA202"} <= set(rules)
    assert all(r.taxonomy in TAXONOMY_CLASSES for r in rules.values())
    assert rules["TSA100"].taxonomy == "backdoor" and rules["TS182"].taxonomy == "tampered"
    assert rules["TS101"].taxonomy == "code-in-file" and rules["TS900"].taxonomy == "none"


def test_bad_taxonomy_in_a_config_is_a_user_error(tmp_path) -> None:
    import pytest

    from trojanscope.errors import UserInputError
    from trojanscope.scan import load_policy

    config = tmp_path / "rules.toml"
    config.write_text('[[rules]]\nid = "X9"\nseverity = "high"\ntaxonomy = "evil"\n')
    with pytest.raises(UserInputError, match="taxonomy must be one of"):
        load_policy([config])


def test_a_dense_mlp_the_lower_term_lowered_is_low() -> None:
    """Review of stop 39: the lowering was put among the coverage notes, so a clean ReLU MLP
    inside the calibration's coverage rated medium ("outside what the calibration covers")
    and failed ``--fail-on medium``; it is reported beside the raise note instead."""
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import calibrate

    features = {  # the review's clean 12x12 ReLU MLP (detect --format json)
        "mmbd_neglog10_p": 0.7449058170755374, "mmbd_anomaly": 1.914051046025472,
        "mmbd_ratio": 1.1113911414464277, "first_layer_dense": 1.0, "empty_share_gap": 0.0,
        "empty_top_class": 0.0, "pixel_share_gap": 0.004444, "pixel_top_class": 7.0,
        "frame_share_gap": 0.015, "frame_top_class": 5.0,
    }
    verdict = calibrate(ModelVerdict(method="auto", statistic=0.745, target_classes=list(
        range(10)), per_class=[], features=features, traits=["activation:relu"]))
    assert verdict.features["lower_logit"] < -1.5 and not verdict.coverage_notes
    rating = rate(_result(verdict.as_dict()))
    assert rating.level == Severity.LOW and "no backdoor detected" in rating.reasons[0]
