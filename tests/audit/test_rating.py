"""The risk rating from findings and detection, without running an audit."""

from __future__ import annotations

from trojanscope.audit.rating import rate
from trojanscope.audit.result import AuditResult, StepResult
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


def test_no_detection_is_medium() -> None:
    rating = rate(_result(None))
    assert rating.level == Severity.MEDIUM and "behaviour not checked" in rating.reasons[0]
