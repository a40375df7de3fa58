"""Every JSON a user gets from a judging command is valid JSON: a NaN or infinite figure in a
finding's evidence is written as ``null``, never as the bare word ``NaN`` that strict readers
(``jq``, JavaScript) refuse (stop 45's review found writers that still used ``json.dumps``)."""

from __future__ import annotations

import json

from trojanscope.report.json_format import render_json
from trojanscope.report.model import Finding, Location, Report, RuleInfo, Severity
from trojanscope.report.sarif import render_sarif


def _report() -> Report:
    finding = Finding(rule_id="TS999", severity=Severity.HIGH, message="m",
                      location=Location("model.pt"),
                      evidence={"score": float("nan"), "ratio": float("inf"), "n": 3})
    return Report(tool="trojanscope", version="0", command="scan", findings=[finding],
                  rules={"TS999": RuleInfo("TS999", "rule", "a rule", Severity.HIGH)})


def _strict(text: str) -> object:
    def refuse(word: str) -> None:
        raise AssertionError(f"non-JSON constant {word} written")

    return json.loads(text, parse_constant=refuse)


def test_report_json_writes_null_for_nan_and_inf() -> None:
    doc = _strict(render_json(_report()))
    evidence = doc["findings"][0]["evidence"]
    assert evidence == {"score": None, "ratio": None, "n": 3}


def test_sarif_writes_null_for_nan() -> None:
    text = render_sarif(_report())
    _strict(text)
    assert "NaN" not in text and "Infinity" not in text
