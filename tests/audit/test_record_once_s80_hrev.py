"""The audit's record step reads ``mitigate``'s record once per audit (stop 79's review named it:
``skip_reason`` and ``run`` each found and parsed the files). One step instance audits two
folders in turn and reads each its own record."""

from __future__ import annotations

from pathlib import Path

from mitigation_record import audit_record
from trojanscope.audit import run_audit, steps_record
from trojanscope.audit.steps_record import MitigationRecordStep
from trojanscope.report.model import Severity


def test_one_reading_of_the_record_per_audit(tmp_path, monkeypatch) -> None:
    reads: list[Path] = []
    real = steps_record.mitigation_record

    def counting(target, digests):  # type: ignore[no-untyped-def]
        reads.append(Path(target))
        return real(target, digests)

    monkeypatch.setattr(steps_record, "mitigation_record", counting)
    result = audit_record(tmp_path, {"ca": 0.95, "asr": 1.0}, {"ca": 0.97, "asr": 0.6153846})
    assert reads == [tmp_path / "fixed"]  # twice before stop 80: skip_reason, then run
    (found,) = result.findings
    assert found.rule_id == "TSA120" and found.severity == Severity.HIGH


def test_one_step_two_audits_each_its_own_record(tmp_path) -> None:
    step = MitigationRecordStep()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    audit_record(tmp_path / "a", {"ca": 0.95, "asr": 1.0}, {"ca": 0.97, "asr": 0.0222})
    audit_record(tmp_path / "b", {"ca": 0.95, "asr": 1.0}, {"ca": 0.97, "asr": 0.6153846})
    first = run_audit(tmp_path / "a" / "fixed", steps=[step])
    second = run_audit(tmp_path / "b" / "fixed", steps=[step])
    assert not first.findings and first.steps[0].status.value == "ok"
    (found,) = second.findings
    assert found.severity == Severity.HIGH and "61.54%" in found.message
    assert second.steps[0].details["record"].endswith(str(Path("b", "fixed", "manifest.json")))
