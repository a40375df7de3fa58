"""Audit reports: JSON against its schema, SARIF against the OASIS schema, Markdown, and a
self-contained HTML page; the report folder and history are written all or nothing."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.audit.history import HistoryStore
from trojanscope.audit.outputs import publish
from trojanscope.report.audit_text import render_audit
from trojanscope.report.formats import report_files

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "report" / "data" / "sarif-schema-2.1.0.json"
AUDIT_SCHEMA = json.loads(
    resources.files("trojanscope.audit").joinpath("audit.schema.json").read_text()
)


@pytest.fixture(scope="module")
def backdoored_result(run_dirs):
    return run_audit(run_dirs["backdoored"], AuditOptions(seed=0, command="trojanscope audit x"))


def test_json_follows_the_schema(backdoored_result):
    doc = json.loads(render_audit(backdoored_result, "json"))
    jsonschema.validate(doc, AUDIT_SCHEMA)
    assert doc["schema_version"] == "1.0" and doc["verdict"] == "fail"
    tsa100 = next(f for f in doc["findings"] if f["rule_id"] == "TSA100")
    assert [t["id"] for t in tsa100["atlas"]] == ["AML.T0018", "AML.T0020"]


def test_schema_rejects_a_broken_document(backdoored_result):
    doc = backdoored_result.to_dict()
    doc["rating"]["level"] = "severe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(doc)), AUDIT_SCHEMA)


def test_sarif_validates_and_carries_the_rating(backdoored_result):
    sarif = json.loads(render_audit(backdoored_result, "sarif"))
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    run = sarif["runs"][0]
    assert run["properties"]["rating"] in ("high", "critical")
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "TSA100")
    assert "AML.T0018" in rule["properties"]["tags"]
    assert any(r["ruleId"] == "TSA100" and r["level"] == "error" for r in run["results"])


def test_markdown_summary(backdoored_result):
    text = render_audit(backdoored_result, "markdown")
    assert "**Verdict: FAIL**" in text
    assert re.search(r"\| (high|critical) \| TSA100 \|", text)
    assert text.count("| TS205 |") == 1  # one row per rule and file, with a count


def test_html_is_self_contained(backdoored_result):
    html = render_audit(backdoored_result, "html")
    for marker in ('id="verdict"', 'id="rating"', 'id="findings"', 'id="detection-chart"',
                   'id="trigger-images"', 'id="hashes"', 'id="reproduce"', "<svg"):
        assert marker in html
    assert backdoored_result.model_sha256 in html
    assert "trojanscope audit x" in html
    # Nothing is fetched from a network: every src/href is inline data or a fragment.
    for ref in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert ref.startswith(("data:", "#")), ref
    assert "<script" not in html


def test_html_escapes_what_it_shows(tmp_path, run_dirs):
    import shutil

    folder = tmp_path / "<b>x</b>"
    shutil.copytree(run_dirs["clean"], folder)
    html = render_audit(run_audit(folder, AuditOptions(data_free=True)), "html")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_report_folder_and_history(backdoored_result, tmp_path):
    store = HistoryStore(f"sqlite:///{tmp_path / 'h.sqlite'}")
    written = publish(backdoored_result, report_dir=tmp_path / "rep", store=store)
    names = {Path(p).relative_to(tmp_path / "rep").as_posix() for p in written}
    assert set(report_files()) | {"bom.cdx.json", "images/trigger_class2_mask.png"} <= names
    [record] = store.query()
    assert record.model_sha256 == backdoored_result.model_sha256
    assert str(tmp_path / "rep" / "report.html") in record.reports


def test_a_failing_history_write_leaves_no_report(backdoored_result, tmp_path):
    class BrokenStore:
        def record(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        publish(backdoored_result, report_dir=tmp_path / "rep", output=tmp_path / "a.sarif",
                output_format="sarif", store=BrokenStore())
    assert list(tmp_path.iterdir()) == []


def test_html_headline_names_the_cause(tmp_path, evil_pickle, backdoored_result):
    path = tmp_path / "model.pt"
    path.write_bytes(evil_pickle(tmp_path / "ran"))
    html = render_audit(run_audit(path), "html")
    assert "would run code when loaded" in html and "Detection did not run" in html
    assert "would run code" not in render_audit(backdoored_result, "html")


def test_markdown_steps_say_what_they_found(backdoored_result):
    text = render_audit(backdoored_result, "markdown")
    assert "| Supply-chain scan of the files | ok | " in text
    pattern = r"\| Supply-chain scan of the files \| ok \| \d+ of \d+ files scanned \|"
    assert re.search(pattern, text)
    assert "\\[" not in render_audit(backdoored_result, "markdown").split("\n")[0]
