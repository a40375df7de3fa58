"""``TSA120`` reads the flip rate ``mitigate`` recorded, not the ASR (issue 12 stop 78, htsa):
an undertrained table MLP sent 70.24% of the fraud rows to class 0 without the trigger, and the
audit failed its ``mitigate`` folder on "71.43%", an ASR that was mostly the model's own answer.
No model is loaded: the record step reads files only."""

from __future__ import annotations

from mitigation_record import audit_record
from trojanscope.report.audit_summary import step_note
from trojanscope.report.model import Severity


def test_an_asr_that_is_the_models_own_answer_raises_nothing(tmp_path):
    # ASR 71.43% where the model sends as many rows to the target untriggered: flip 0
    read = {"ca": 0.71, "asr": 0.7143, "ra": 0.2857, "flip": 0.0, "flip_inputs": 12}
    result = audit_record(tmp_path, read, dict(read))
    assert not result.findings
    assert step_note(result.steps[0].to_dict()) == (
        "gated: ASR 71.43% before, 71.43% after; flip rate 0.00% before, 0.00% after")


def test_a_real_residue_is_still_high_and_names_the_flip_rate(tmp_path):
    result = audit_record(tmp_path, {"asr": 1.0, "flip": 1.0, "flip_inputs": 91},
                    {"asr": 0.6154, "flip": 0.6, "flip_inputs": 90})
    (found,) = [f for f in result.findings if f.rule_id == "TSA120"]
    assert found.severity == Severity.HIGH and "60.00%" in found.message
    assert "not sent to the target without it (90 of them)" in found.message
    assert result.verdict == "fail"


def test_an_old_record_without_flip_is_judged_on_its_asr(tmp_path):
    result = audit_record(tmp_path, {"asr": 1.0}, {"asr": 0.7143})
    (found,) = [f for f in result.findings if f.rule_id == "TSA120"]
    assert found.severity == Severity.HIGH and "71.43%" in found.message
    assert "not sent" not in found.message
