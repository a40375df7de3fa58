"""Issue 9, stop 72 (hnote): the audit carries the margin-only note into its finding, its
step details and its detection object, and changes nothing else: the same probability, class,
severity, rating and exit code as the same audit without the note."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.report.model import Severity


def _margin_alone(real):
    """``calibrate`` as shipped, then a flag no raise term lifted, with the three probes'
    readings recorded (the tiny backdoored model's own raise, if any, set aside)."""
    def calibrate(verdict, calibrators=None):
        real(verdict, calibrators)
        for name in ("raise_logit", "probability_unraised", "raise_logit_pixels",
                     "raise_logit_frame"):
            verdict.features.pop(name, None)
        verdict.features.update({"empty_share_gap": 0.01, "empty_top_class": 5.0,
                                 "pixel_share_gap": 0.03, "pixel_top_class": 5.0,
                                 "frame_share_gap": 0.05, "frame_top_class": 5.0})
        verdict.probability = 0.64
        return verdict
    return calibrate


def test_the_note_reaches_the_audit_and_changes_no_rating(run_dirs, monkeypatch,
                                                          shared_inspections):
    from trojanscope.detect import calibration, margin_only

    monkeypatch.setattr(calibration, "calibrate", _margin_alone(calibration.calibrate))
    noted = run_audit(run_dirs["backdoored"], AuditOptions(seed=0))
    monkeypatch.setattr(margin_only, "margin_only_note", lambda *a, **k: None)
    plain = run_audit(run_dirs["backdoored"], AuditOptions(seed=0))

    finding = next(f for f in noted.findings if f.rule_id == "TSA100")
    target = noted.detection["suspected_target"]
    said = noted.step("detect").details["margin_only"]
    assert said.startswith("flagged on MM-BD's margin statistics alone")
    assert f"class {target}" in said and said in finding.message
    assert noted.detection["margin_only"] == said
    assert "margin_only" not in plain.detection
    assert "margin statistics" not in next(
        f for f in plain.findings if f.rule_id == "TSA100").message
    for key in ("probability", "suspected_target", "target_classes", "verdict", "calibrated"):
        assert noted.detection[key] == plain.detection[key], key
    assert noted.rating.level == plain.rating.level >= Severity.HIGH
    assert noted.exit_code(Severity.HIGH) == plain.exit_code(Severity.HIGH) == 1
    assert [f.severity for f in noted.findings] == [f.severity for f in plain.findings]
    schema = json.loads(resources.files("trojanscope.audit").joinpath(
        "audit.schema.json").read_text())
    jsonschema.validate(json.loads(json.dumps(noted.to_dict())), schema)
