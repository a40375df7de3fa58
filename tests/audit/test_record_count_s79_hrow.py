"""``TSA120`` states how many inputs ``mitigate``'s figure is read on and its exact 95% interval,
and says "too few to tell" (low) where that interval reaches the 10% bar (issue 12 stop 79,
hrow: hrev's table MLP failed on 4 of 10 rows). No model is loaded: the record step reads files
only."""

from __future__ import annotations

import json

import torch
from rich.console import Console
from torch import nn

from mitigation_record import audit_record
from trojanscope.mitigate.record_count import rate_interval
from trojanscope.mitigate.run import TriggeredSet, measure, still_there_words
from trojanscope.report.audit_console import print_audit_summary
from trojanscope.report.audit_text import render_audit
from trojanscope.report.model import Severity


def _flip(rate: float, n: int) -> dict:
    return {"asr": rate, "flip": rate, "flip_inputs": n}


def _tsa120(result):
    (found,) = [f for f in result.findings if f.rule_id == "TSA120"]
    return found


def test_the_exact_interval_of_known_counts():
    # Clopper-Pearson, as tables give them: 4 of 10 is 12.16-73.76%, 0 of 10 0-30.85%
    low, high = rate_interval(0.4, 10)
    assert round(low, 4) == 0.1216 and round(high, 4) == 0.7376
    assert rate_interval(0.0, 10)[0] == 0.0 and round(rate_interval(0.0, 10)[1], 4) == 0.3085
    assert rate_interval(1.0, 3)[1] == 1.0


def test_hrevs_four_of_ten_stays_high_and_says_its_interval(tmp_path):
    # stop 78's table MLP: gated changed no weight, flip 40% of 10 before and after. 4 or more
    # of 10 at a true rate of 10% comes in 1.3% of draws: the interval (12.16%) clears the bar
    result = audit_record(tmp_path, _flip(0.4, 10), _flip(0.4, 10))
    found = _tsa120(result)
    assert found.severity == Severity.HIGH and result.verdict == "fail"
    assert "(40.00% before; after: 4 of 10, 95% interval 12.16%-73.76%)" in found.message
    assert found.evidence["inputs"] == 10 and found.evidence["interval"][0] > 0.10


def test_a_hundred_rows_at_forty_percent_is_high(tmp_path):
    found = _tsa120(audit_record(tmp_path, _flip(0.4, 100), _flip(0.4, 100)))
    assert found.severity == Severity.HIGH and "40 of 100" in found.message


def test_too_few_inputs_read_low_not_high(tmp_path):
    # 2 of 5 (40%) and 3 of 10 (30%): each interval reaches under 10%
    for n, rate in ((5, 0.4), (10, 0.3)):
        folder = tmp_path / str(n)
        folder.mkdir()
        result = audit_record(folder, _flip(1.0, n), _flip(rate, n))
        found = _tsa120(result)
        assert found.severity == Severity.LOW, n
        assert found.message.startswith("too few inputs to tell whether the backdoor is still")
        assert f"of {n}, 95% interval" in found.message and "reaches mitigate's 10% bar" in (
            found.message)
        assert result.verdict == "pass" and result.exit_code(Severity.HIGH) == 0


def test_an_asr_only_record_with_its_count_has_the_floor_too(tmp_path):
    # a triggered file (no clean rows, no flip rate): 1 of 2 at the target
    found = _tsa120(audit_record(tmp_path, {"asr": 1.0, "asr_inputs": 2},
                           {"asr": 0.5, "asr_inputs": 2}))
    assert found.severity == Severity.LOW and "1 of 2" in found.message


def test_records_without_a_count_are_judged_as_before(tmp_path):
    # stop 78's records: the ASR alone, or the flip rate with no asr count (flip_inputs there)
    # (weakened: medium until stop 80, high since)
    found = _tsa120(audit_record(tmp_path, {"asr": 1.0}, {"asr": 0.2}))
    assert found.severity == Severity.HIGH and "interval" not in found.message
    assert "weakened" in found.message
    assert "inputs" not in found.evidence
    again = tmp_path / "again"
    again.mkdir()
    found = _tsa120(audit_record(again, {"asr": 1.0, "flip": 1.0}, {"asr": 0.3, "flip": 0.3}))
    assert found.severity == Severity.HIGH and "interval" not in found.message


def test_the_terminal_line_says_how_many_inputs(tmp_path):
    result = audit_record(tmp_path, _flip(0.4, 10), _flip(0.4, 10))
    console = Console(record=True, width=400)
    print_audit_summary(result, console)
    assert "after: 4 of 10, 95% interval 12.16%-73.76%" in console.export_text()
    (found,) = [f for f in json.loads(render_audit(result, "json"))["findings"]
                if f["rule_id"] == "TSA120"]
    assert found["evidence"]["inputs"] == 10 and len(found["evidence"]["interval"]) == 2
    assert "4 of 10" in render_audit(result, "sarif")


class _SaysZero(nn.Module):
    """Class 0 wherever the first feature is above 0.5."""

    def forward(self, x):
        hot = (x[:, 0] > 0.5).float()
        return torch.stack([hot, 1 - hot], dim=1)


def test_measure_records_the_asrs_count():
    x = torch.tensor([[1.0], [0.0], [1.0]])
    target = torch.zeros(3, dtype=torch.long)
    read = measure(_SaysZero(), None, TriggeredSet(x, torch.ones(3, dtype=torch.long), target,
                                                   "t", None))
    assert read["asr_inputs"] == 3 and "flip" not in read


def test_mitigates_note_says_too_few_where_the_audit_does():
    few = still_there_words("gated", _flip(0.6, 5), _flip(0.4, 5), 5, "gated")
    assert few is not None and few.startswith("too few inputs to tell whether the backdoor")
    assert "2 of 5, 95% interval 5.27%-85.34%, reaching the 10% bar" in few
    kept = still_there_words("gated", _flip(0.4, 10), _flip(0.4, 10), 42, "gated")
    assert kept is not None and kept.startswith("the backdoor is still there")
    old = still_there_words("gated", {"asr": 0.5}, {"asr": 0.4}, 5, "gated")
    assert old is not None and old.startswith("the backdoor is still there")
