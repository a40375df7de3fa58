"""The audit reads the ASR ``mitigate`` measured after purifying (issue 12 stop 78, hmit): the
README's BadNets run left at ASR 61.54% by ``mitigate`` passed its audit, PASS / LOW at
probability 0.21, because only the detector was read. No model is loaded here: the record step
reads files only."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from trojanscope.audit import run_audit
from trojanscope.audit.steps_record import MitigationRecordStep
from trojanscope.report.audit_summary import step_note
from trojanscope.report.model import Severity

WEIGHTS = b"not a real model: the record step never loads it"


def _folder(tmp_path: Path, before: float, after: float, *, foreign: bool = False) -> Path:
    """A folder as ``mitigate`` writes it: the weights and their digest in the record."""
    out = tmp_path / "fixed"
    out.mkdir()
    name = "model.onnx" if foreign else "model.safetensors"
    (out / name).write_bytes(WEIGHTS)
    files = {name: hashlib.sha256(WEIGHTS).hexdigest()}
    record = {"method": "gated", "before": {"ca": 0.95, "asr": before},
              "after": {"ca": 0.97, "asr": after}}
    if foreign:
        (out / "mitigation.json").write_text(json.dumps({**record, "files": files}))
    else:
        (out / "manifest.json").write_text(json.dumps({"files": files, "mitigation": record}))
    return out


def _audit(target: Path):
    return run_audit(target, steps=[MitigationRecordStep()])


def test_a_backdoor_mitigate_left_fails_the_audit(tmp_path):
    # stop 78's first contact, seed 276: ASR 100.00% before, 61.54% after gated
    result = _audit(_folder(tmp_path, 1.0, 0.6153846))
    found = [f for f in result.findings if f.rule_id == "TSA120"]
    assert len(found) == 1 and found[0].severity == Severity.HIGH
    assert "still there" in found[0].message and "61.54%" in found[0].message
    assert result.rating.level == Severity.HIGH and result.verdict == "fail"
    assert result.exit_code(Severity.HIGH) == 1


def test_a_weakened_backdoor_fails_too(tmp_path):
    # below half of before, above 10%: medium until stop 80 (hcmd), high since (the trigger
    # still works on 30% of the inputs: a backdoor left, however much it fell)
    result = _audit(_folder(tmp_path, 1.0, 0.30))
    (found,) = [f for f in result.findings if f.rule_id == "TSA120"]
    assert found.severity == Severity.HIGH and "weakened, not removed" in found.message
    assert "still works above mitigate's 10% bar" in found.message
    assert result.verdict == "fail" and result.exit_code(Severity.HIGH) == 1


def test_a_removed_backdoor_adds_nothing(tmp_path):
    result = _audit(_folder(tmp_path, 1.0, 0.0222))  # seed 239's draw at stop 77
    assert not result.findings
    (step,) = result.steps
    assert step.status.value == "ok"
    assert step_note(step.to_dict()) == "gated: ASR 100.00% before, 2.22% after"


def test_a_record_of_other_bytes_is_not_read(tmp_path):
    out = _folder(tmp_path, 1.0, 0.6153846)
    (out / "model.safetensors").write_bytes(WEIGHTS + b"changed")
    result = _audit(out)
    assert not result.findings and result.steps[0].status.value == "skipped"


def test_a_purified_file_beside_its_record(tmp_path):
    out = _folder(tmp_path, 1.0, 0.6153846, foreign=True)
    assert any(f.rule_id == "TSA120" for f in _audit(out / "model.onnx").findings)
    (out / "other.onnx").write_bytes(WEIGHTS)  # a file the record does not list
    assert _audit(out / "other.onnx").steps[0].status.value == "skipped"


def test_next_steps_purify_again_not_bad_files(tmp_path):
    from trojanscope.report.audit_next import next_steps

    out = _folder(tmp_path, 1.0, 0.6153846)
    record = json.loads((out / "manifest.json").read_text())
    record["mitigation"]["source"] = "runs/badnets"
    (out / "manifest.json").write_text(json.dumps(record))
    steps = next_steps(_audit(out))
    assert steps[0].title == "Do not deploy the purified model"  # not "these files" (tampering)
    assert any("trojanscope mitigate runs/badnets" in c for s in steps for c in s.commands)
