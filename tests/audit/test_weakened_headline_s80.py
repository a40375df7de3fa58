"""A governance verdict does not say PASS where its own evidence says the backdoor may remain
(issue 9 stop 80, hcmd): stop 79's first contact audited a folder ``mitigate`` had left with
the trigger flipping 44.44% of 18 held-out inputs (100% before) and read "PASS (detection
inconclusive) ... MEDIUM". A residue above the 10% bar is now high whether or not it halved
(the audit fails, exit 1); a pass beside any ``TSA120`` (too few inputs to tell, or a gate
above high) says "backdoor may remain after mitigation" in its headline."""

from __future__ import annotations

import json

from mitigation_record import audit_record
from trojanscope.audit.regate import regated
from trojanscope.report.audit_result import LEFT_NOTE
from trojanscope.report.model import Severity


def _flip(rate: float, n: int) -> dict:
    return {"asr": rate, "flip": rate, "flip_inputs": n}


def test_stop_79s_weakened_folder_now_fails(tmp_path):
    # stop 79, seed 331: gated -> ftsam, flip 100% -> 44.44% of 18 (8 of 18: 21.5%-69.2%)
    result = audit_record(tmp_path, _flip(1.0, 16), _flip(8 / 18, 18))
    (found,) = [f for f in result.findings if f.rule_id == "TSA120"]
    assert found.severity == Severity.HIGH and "weakened, not removed" in found.message
    assert "8 of 18" in found.message
    assert result.headline == "FAIL" and result.exit_code(Severity.HIGH) == 1


def test_too_few_to_tell_passes_with_the_note(tmp_path):
    result = audit_record(tmp_path, _flip(1.0, 5), _flip(0.4, 5))  # 2 of 5: reaches 10%
    assert result.verdict == "pass" and result.exit_code(Severity.HIGH) == 0
    assert result.headline.startswith(f"PASS ({LEFT_NOTE}")
    assert result.exit_code(Severity.LOW) == 1  # --fail-on low fails it, as before


def test_a_gate_above_high_passes_with_the_note(tmp_path):
    result = audit_record(tmp_path, _flip(1.0, 100), _flip(0.4, 100))
    result.fail_on = Severity.CRITICAL  # --fail-on critical
    assert result.verdict == "pass"
    assert result.headline == f"PASS ({LEFT_NOTE}; detection not run)"
    # the stored document read again under another gate says the same
    document = json.loads(json.dumps(result.to_dict()))
    assert regated(document, Severity.CRITICAL) == ("pass", result.headline)
    assert regated(document, Severity.HIGH) == ("fail", "FAIL")


def test_a_removed_backdoor_gets_no_note(tmp_path):
    result = audit_record(tmp_path, _flip(1.0, 100), _flip(0.02, 100))
    assert not result.findings and LEFT_NOTE not in result.headline
    assert result.headline == "PASS (detection not run)"


def test_mitigate_says_weakened_where_the_audit_fails_it():
    from trojanscope.mitigate.run import still_there_words, weakened_words

    before, after = _flip(1.0, 16), _flip(8 / 18, 18)  # stop 79's run: no note was printed
    assert still_there_words("gated", before, after, 18, "auto") is None
    words = weakened_words("gated", before, after)
    assert words is not None and words.startswith("the backdoor was weakened, not removed")
    assert "44.44% after gated" in words and "TSA120" in words
    assert weakened_words("gated", before, _flip(0.05, 100)) is None  # under the bar
    assert weakened_words("gated", before, _flip(0.9, 100)) is None  # still there: that note
    few = weakened_words("gated", _flip(1.0, 5), _flip(0.4, 5))  # 2 of 5
    assert few is not None and few.startswith("too few inputs to tell")
