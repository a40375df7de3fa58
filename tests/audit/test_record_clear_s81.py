"""An audit the detector fails beside a ``mitigate`` record that reads the trigger removed
(issue 9 stop 81, hcmd): stop 80's first contact audited a user's MLP ``gated`` had taken to
ASR 1.11% (flip rate 23.44% -> 0.00%) and read "FAIL … CRITICAL" on MM-BD's margins alone, and
recommended purifying it again. The flag still decides (the record is a file in the folder and
measures one trigger; it never lowers the rating), but the headline says the two readings
disagree, and the recommendation is a second reading of the flag, not a second purification.
The exit code stays the gate's."""

from __future__ import annotations

import json

from mitigation_record import audit_record
from trojanscope.audit.regate import regated
from trojanscope.report.audit_mitigation import recommend_mitigation
from trojanscope.report.audit_result import LEFT_NOTE
from trojanscope.report.model import Finding, Location, Severity
from trojanscope.report.record_clear import CLEARED_NOTE, record_clear


def _flip(rate: float, n: int, asr: float | None = None) -> dict:
    return {"asr": rate if asr is None else asr, "flip": rate, "flip_inputs": n}


def _flagged(result, level: Severity = Severity.CRITICAL):
    """``result`` as if the detector had flagged the model at ``level`` (TSA100)."""
    result.steps[-1].findings.append(Finding("TSA100", level, "backdoor detected: probability "
                                             "1.00", Location(result.target)))
    result.detection = {"verdict": "backdoored", "probability": 1.0}
    result.rating.level = level
    result.model = {"format": "safetensors"}
    result.data = {"source": "clean.npz"}
    return result


def test_stop_80s_folder_fails_with_the_record_in_its_headline(tmp_path):
    # stop 80, seed 390: gated, ASR 45.56% -> 1.11%, flip 23.44% of 64 -> 0.00% of 89
    result = _flagged(audit_record(tmp_path, _flip(0.2344, 64, 0.4556), _flip(0.0, 89, 0.0111)))
    assert result.verdict == "fail" and result.exit_code(Severity.HIGH) == 1
    assert result.exit_code(Severity.CRITICAL) == 1  # the rating is the detector's: critical
    assert result.headline == f"FAIL ({CLEARED_NOTE})"
    advice = recommend_mitigation(result)
    assert advice is not None and advice["method"] == "none"
    assert "flip rate 0.00% of 89 inputs after gated, 23.44% before" in advice["text"]
    assert advice["commands"] == [f"trojanscope detect {result.target} --data clean.npz "
                                  "--method neural_cleanse"]
    # the stored document read again says the same
    document = json.loads(json.dumps(result.to_dict()))
    assert regated(document, Severity.HIGH) == ("fail", result.headline)
    assert document["headline"] == result.headline


def test_a_residue_or_a_thin_count_keeps_the_plain_fail(tmp_path):
    left = _flagged(audit_record(tmp_path, _flip(1.0, 100), _flip(0.4, 100)))  # TSA120 high
    assert left.headline == "FAIL" and recommend_mitigation(left)["method"] != "none"
    (tmp_path / "b").mkdir()
    few = _flagged(audit_record(tmp_path / "b", _flip(1.0, 20), _flip(0.0, 20)))
    assert few.headline == "FAIL"  # 0 of 20: the interval reaches 16.8%, over the 10% bar
    assert record_clear({"before": _flip(1.0, 20), "after": _flip(0.0, 20)}) is None


def test_record_clear_reads_the_goal_and_older_records():
    assert record_clear({"before": _flip(1.0, 200), "after": _flip(0.03, 200)}) is None
    said = record_clear({"method": "ftsam", "before": {"asr": 1.0}, "after": {"asr": 0.01}})
    assert said == "ASR 1.00% after ftsam, 100.00% before"  # no count: the figure alone
    assert record_clear(None) is None and record_clear({"before": 1}) is None


def test_a_pass_is_unchanged(tmp_path):
    result = audit_record(tmp_path, _flip(1.0, 100), _flip(0.0, 100))
    assert result.headline == "PASS (detection not run)"
    assert CLEARED_NOTE not in result.headline and LEFT_NOTE not in result.headline


def test_the_reports_next_step_is_the_second_reading(tmp_path):
    from trojanscope.report.audit_next import next_steps

    result = _flagged(audit_record(tmp_path, _flip(0.2344, 64, 0.4556), _flip(0.0, 89, 0.0111)))
    titles = [s.title for s in next_steps(result)]
    assert "Read the flag a second way" in titles
    assert not any(t.startswith("Purify a copy") for t in titles)
