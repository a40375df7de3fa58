"""A calibration term's note (the lever and clean-look terms here; the named-check and
blend-sink terms take the same route) is kept in ``term_notes``, not among the coverage notes:
``detect`` printed it under "outside the calibration's coverage" and the audit rated a model the
calibration covers MEDIUM for it (issue 9, stop 76: hfix2). A real coverage note rates as
before; no probability moves."""

from __future__ import annotations

import math

import pytest

from trojanscope.audit.rating import rate
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.report.audit_result import AuditResult, StepResult
from trojanscope.report.model import Severity

KEY = "tabular-search:tree:xgboost:rows200"


def _cals(term: str, coverage: dict[str, int] | None = None) -> dict[str, Calibrator]:
    fitted: dict = {"n_models": 10}
    if coverage is not None:
        fitted["coverage"] = coverage
    base = Calibrator(KEY, ["tab_box"], [1.0], 0.0, fitted_on=fitted)
    if term == "lever":  # lowered where tab_lever_excess < 0.5, 4 logits a unit
        extra = Calibrator(f"{KEY}:lever", ["tab_lever_excess"], [4.0], -2.0,
                           fitted_on={"most": 3.0})
    else:  # clean-look: lowered where tab_mass < 0, 2 logits a unit
        extra = Calibrator(f"{KEY}:clean-look", ["tab_mass"], [1.0], 0.0,
                           fitted_on={"start": 0.0, "slope": 2.0, "most": 3.0,
                                      "reads_from": 0.5}, mean=[0.0], scale=[1.0])
    return {KEY: base, f"{KEY}:{term}": extra}


def _verdict(traits: list[str] | None = None) -> ModelVerdict:
    # box 0.2 (p 0.55, a flag) lowered by 1 logit: lever excess 0.25, clean-look mass -0.5
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[1, 0],
                        per_class=[], family="tree:xgboost:rows200", traits=traits or [],
                        features={"tab_box": 0.2, "tab_lever_excess": 0.25, "tab_mass": -0.5})


def _rated(detection: dict) -> object:
    return rate(AuditResult(target="m", model_sha256="0" * 64, started_at="", command="",
                            seed=0, versions={}, steps=[StepResult("detect", "Backdoor detection")],
                            detection=detection))


@pytest.mark.parametrize("term", ["lever", "clean-look"])
def test_a_term_note_alone_rates_by_the_verdict_not_as_outside_coverage(term: str) -> None:
    v = calibrate(_verdict(), _cals(term))
    assert math.log(v.probability / (1 - v.probability)) == pytest.approx(-0.8)  # 0.2 - 1
    assert v.verdict == "clean" and not v.coverage_notes
    assert len(v.term_notes) == 1 and "probability lowered" in v.term_notes[0]
    assert v.as_dict()["term_notes"] == v.term_notes  # kept in JSON
    rating = _rated(v.as_dict())
    assert rating.level == Severity.LOW and "no backdoor detected" in rating.reasons[0]
    assert calibrate(v, _cals(term)).term_notes == v.term_notes  # twice: said once


def test_a_real_coverage_note_still_rates_medium_beside_a_term_note() -> None:
    v = calibrate(_verdict(["activation:tanh"]), _cals("lever", {"activation:relu": 50}))
    assert v.verdict == "clean" and len(v.term_notes) == 1
    assert v.coverage_notes and all("tanh" in n for n in v.coverage_notes)
    rating = _rated(v.as_dict())
    assert rating.level == Severity.MEDIUM
    assert "outside what the detector's calibration covers" in rating.reasons[0]
    assert "clean twins" not in rating.reasons[0]


def test_detect_prints_the_term_note_beside_the_excess_line_not_under_coverage(
        capsys: pytest.CaptureFixture[str]) -> None:
    from trojanscope.cli.commands.detect import print_table

    v = calibrate(_verdict(), _cals("lever"))
    print_table(v, "m.json")
    out = " ".join(capsys.readouterr().out.split())
    assert "clean twins" in out and "outside the calibration's coverage" not in out
