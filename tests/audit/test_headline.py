"""The audit's headline says what the gate decided and, on a pass, that detection settled
nothing where it did not (stop 69): the console, JSON, Markdown, HTML and SARIF alike; the
verdict word and the exit codes unchanged."""

from __future__ import annotations

import io
import json
from importlib import resources

import jsonschema
import pytest
from rich.console import Console

from trojanscope.audit.rating import rate
from trojanscope.report.audit_console import print_audit_summary
from trojanscope.report.audit_result import AuditResult, StepResult
from trojanscope.report.audit_text import render_audit
from trojanscope.report.model import Finding, Location, Severity

INCONCLUSIVE = "PASS (detection inconclusive)"


def _detection(**over: object) -> dict:
    return {"verdict": "clean", "probability": 0.12, "target_classes": [], "method": "auto",
            "per_class": [{"class": 0, "score": 0.2}, {"class": 1, "score": 0.1}],
            "elapsed_s": 1.0, "flagged": False, "calibrated": True, "coverage_notes": [],
            "threshold": 0.5, "suspected_target": None, "features": {}, "data_free": False,
            **over}


def _result(detection: dict | None, findings: list[Finding] = ()) -> AuditResult:
    result = AuditResult(target="m.onnx", model_sha256="0" * 64,
                         started_at="2026-12-06T10:00:00", command="trojanscope audit m.onnx",
                         seed=0, versions={},
                         steps=[StepResult("detect", "Backdoor detection",
                                           findings=list(findings))],
                         detection=detection)
    result.rating = rate(result)
    return result


def _tsa(rule: str, severity: Severity) -> Finding:
    return Finding(rule, severity, "a score", Location("m.onnx"))


CASES = {
    # a MiniLM model's verdict: no calibration stands behind the score
    "not calibrated": (_detection(calibrated=False, coverage_notes=["no calibration"]), (),
                       INCONCLUSIVE),
    "to review": (_detection(verdict="review", calibrated=False, flagged=True),
                  (_tsa("TSA100", Severity.MEDIUM),), INCONCLUSIVE),
    "outside coverage": (_detection(coverage_notes=["tanh activations: 0 models"]), (),
                         INCONCLUSIVE),
    "inconclusive band": (_detection(probability=0.4), (_tsa("TSA101", Severity.MEDIUM),),
                          INCONCLUSIVE),
    "not run": (None, (), "PASS (detection not run)"),
    "settled": (_detection(), (), "PASS"),
    "failed": (_detection(verdict="backdoored", probability=0.9, flagged=True),
               (_tsa("TSA100", Severity.HIGH),), "FAIL"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_headline_says_what_detection_left_open(case: str) -> None:
    detection, findings, words = CASES[case]
    result = _result(detection, findings)
    assert result.headline == words
    assert result.verdict == words.split()[0].lower()  # the schema's word, as before
    gate = 1 if words == "FAIL" else 0  # the gate at high: the exit codes unchanged
    assert result.exit_code(Severity.HIGH) == gate


def test_every_report_of_an_inconclusive_pass_says_so() -> None:
    result = _result(*CASES["not calibrated"][:2])
    assert result.rating.level == Severity.MEDIUM
    out = io.StringIO()
    print_audit_summary(result, Console(file=out, width=100, color_system=None))
    assert out.getvalue().startswith(f"{INCONCLUSIVE} m.onnx: risk rating MEDIUM")
    doc = json.loads(render_audit(result, "json"))
    assert (doc["verdict"], doc["headline"]) == ("pass", INCONCLUSIVE)
    schema = json.loads(resources.files("trojanscope.audit").joinpath("audit.schema.json")
                        .read_text())
    jsonschema.validate(doc, schema)  # the shipped schema (1.2) takes it
    assert schema["properties"]["headline"]["type"] == "string"
    assert "headline" not in schema["required"]  # a 1.1 document still validates
    assert f"**Verdict: {INCONCLUSIVE}**" in render_audit(result, "markdown")
    assert f'class="big verdict-pass">{INCONCLUSIVE}</span>' in render_audit(result, "html")
    props = json.loads(render_audit(result, "sarif"))["runs"][0]["properties"]
    assert (props["verdict"], props["headline"]) == ("pass", INCONCLUSIVE)


def test_a_settled_pass_reads_as_before_everywhere() -> None:
    result = _result(_detection())
    out = io.StringIO()
    print_audit_summary(result, Console(file=out, width=100, color_system=None))
    assert out.getvalue().startswith("PASS m.onnx: risk rating LOW")
    assert "**Verdict: PASS**" in render_audit(result, "markdown")
    assert 'class="big verdict-pass">PASS</span>' in render_audit(result, "html")


def test_the_history_and_the_registry_show_the_headline_and_read_older_records(
        tmp_path) -> None:
    """``history``'s table and ``audit-registry``'s rows (audited and resumed) say the
    headline; a record of schema 1.1 (no ``headline``) reads as its verdict in capitals."""
    from sqlalchemy.orm import Session

    from trojanscope.audit.batch import _resumed_row
    from trojanscope.audit.history import EXPORT_COLUMNS, AuditRecord, HistoryStore, db_url

    store = HistoryStore(db_url(tmp_path / "h.sqlite"))
    new = store.record(_result(*CASES["not calibrated"][:2]))
    old = store.record(_result(*CASES["not calibrated"][:2]))
    with Session(store.engine) as session, session.begin():  # as stop 68 stored it
        record = session.get(AuditRecord, old)
        record.document = {k: v for k, v in record.document.items() if k != "headline"}
    records = {r.id: r for r in store.query()}
    assert (records[new].headline, records[old].headline) == (INCONCLUSIVE, "PASS")
    assert records[new].summary()["headline"] == INCONCLUSIVE
    assert set(records[new].summary()) >= set(EXPORT_COLUMNS)
    assert records[new].summary()["verdict"] == "pass"  # the word, as before
    target = records[new].target
    resumed = store.latest([target])[target]  # the resume's query: the document deferred
    assert resumed.id == old and resumed.headline == "PASS"
    store.record(_result(*CASES["not calibrated"][:2]))
    row = _resumed_row("m.onnx", tmp_path / "m.onnx", store.latest([target])[target])
    assert (row.verdict, row.headline) == ("pass", INCONCLUSIVE)


def test_the_headline_fails_where_a_stricter_gate_does() -> None:
    """``--fail-on medium``: a medium rating exits 1, so the headline reads FAIL, never PASS
    beside exit 1 (stop 69, hrev's finding); the default gate still passes it."""
    detection, findings, _ = CASES["to review"]
    result = _result(detection, findings)
    assert result.rating.level == Severity.MEDIUM
    assert (result.headline, result.exit_code(result.fail_on)) == (INCONCLUSIVE, 0)
    result.fail_on = Severity.MEDIUM
    assert (result.verdict, result.headline, result.exit_code(result.fail_on)) == ("fail",
                                                                                   "FAIL", 1)
