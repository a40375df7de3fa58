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
def backdoored_result(audited):
    return audited("backdoored", seed=0, command="trojanscope audit x")


@pytest.fixture(scope="module")
def clean_result(audited):
    return audited("clean", seed=0, command="trojanscope audit x")


def test_json_follows_the_schema(backdoored_result):
    doc = json.loads(render_audit(backdoored_result, "json"))
    jsonschema.validate(doc, AUDIT_SCHEMA)
    assert doc["schema_version"] == "1.3" and doc["verdict"] == "fail"
    assert doc["options"]["method"] == "auto"  # 1.3: what it ran with (stop 74)
    tsa100 = next(f for f in doc["findings"] if f["rule_id"] == "TSA100")
    assert [t["id"] for t in tsa100["atlas"]] == ["AML.T0018", "AML.T0020"]


def test_a_review_verdict_follows_the_schema_and_is_not_called_a_backdoor(backdoored_result):
    """An uncalibrated flag (``review``) is a valid document, and neither the next steps nor
    the mitigation recommendation call it a backdoor, whatever else rates the audit high."""
    import copy

    from trojanscope.report.audit_mitigation import recommend_mitigation
    from trojanscope.report.audit_next import next_steps
    from trojanscope.report.model import Severity

    result = copy.deepcopy(backdoored_result)
    result.detection.update(verdict="review", calibrated=False)
    # the old schema: 'review' is not one of ['backdoored', 'clean', 'unknown']
    jsonschema.validate(json.loads(json.dumps(result.to_dict())), AUDIT_SCHEMA)
    assert result.rating.level >= Severity.HIGH
    # the old code read "a TSA100 finding" as "a backdoor": quarantine and purify
    assert recommend_mitigation(result) is None
    assert not any(s.title.startswith("Quarantine") for s in next_steps(result))
    assert recommend_mitigation(backdoored_result) is not None  # a calibrated flag still is


def test_a_text_model_gets_no_image_only_commands(backdoored_result):
    """``mitigate`` takes no text data, and a Hugging Face class name is no ``--arch``: a
    backdoored text model's next steps name neither, and its training data is a CSV."""
    import copy

    from trojanscope.report.audit_mitigation import recommend_mitigation
    from trojanscope.report.audit_next import next_steps

    assert backdoored_result.model["text"] is False
    result = copy.deepcopy(backdoored_result)
    result.model.update(text=True, architecture="BertForSequenceClassification")
    assert recommend_mitigation(result) is None
    commands = [c for step in next_steps(result) for c in step.commands]
    assert not any(c.startswith("trojanscope mitigate") for c in commands)
    assert "trojanscope detect-data TRAIN.csv --out poison-findings --write-clean TRUSTED.csv" \
        in commands
    assert "trojanscope train --dataset TRUSTED.csv --out retrained" in commands


def test_a_low_uncalibrated_score_rates_medium_and_says_why(clean_result):
    import copy

    from trojanscope.audit.rating import rate
    from trojanscope.report.model import Severity

    result = copy.deepcopy(clean_result)
    result.detection.update(calibrated=False, coverage_notes=["probability not calibrated"])
    rating = rate(result)
    assert rating.level == Severity.MEDIUM
    # the old reason blamed the model's architecture ("outside what the calibration covers")
    assert "not a calibrated probability" in rating.reasons[0], rating.reasons


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


def _commands(html: str) -> list[str]:
    import html as html_lib

    return [html_lib.unescape(c) for c in
            re.findall(r'<pre class="cmd"[^>]*><code>(.*?)</code></pre>', html, re.S)]


def test_html_counts_agree_across_sections(backdoored_result):
    from trojanscope.report.audit_result import finding_dict
    from trojanscope.report.audit_summary import count_findings

    html = render_audit(backdoored_result, "html")
    counts = count_findings(backdoored_result.to_dict()["findings"])
    total = re.search(r'id="steps-total">In all: (.*?)\.</td>', html).group(1)
    assert total == counts.sentence()
    assert f'<p id="findings-count">{counts.sentence()}.' in html
    # The per-step cells add up to the same totals.
    rules = backdoored_result.rules
    per_step = [count_findings([finding_dict(f, rules) for f in s.findings
                                if f.suppressed is None])
                for s in backdoored_result.steps]
    assert sum(c.findings for c in per_step) == counts.findings
    assert sum(c.info for c in per_step) == counts.info
    assert counts.places >= counts.findings > 0 and counts.info_places >= counts.info > 0
    assert f"{counts.info} informational findings" in html


def test_html_signature_says_not_signed_with_its_risk(backdoored_result):
    html = render_audit(backdoored_result, "html")
    row = re.search(r"<tr><td data-label=\"step\">Signature verification</td>(.*?)</tr>",
                    html, re.S).group(1)
    assert ">not signed<" in row and ">ok<" not in row
    assert "would go unnoticed" in row


def test_html_informational_table_has_a_header_and_groups(backdoored_result):
    html = render_audit(backdoored_result, "html")
    info = html[html.index('<details id="informational">'):]
    info = info[:info.index("</table>")]
    assert "<thead><tr><th>rule</th><th>where</th><th>what</th></tr></thead>" in info
    assert re.search(r"\(\d+ places\)</summary>", info)  # repeated imports grouped


def test_html_chart_draws_the_flag_line_on_a_normalised_scale(backdoored_result, clean_result):
    from trojanscope.report.audit_chart import chart_scale

    for result, flagged in ((backdoored_result, True), (clean_result, False)):
        det = result.detection
        scale = chart_scale(det)
        assert scale.normalised and scale.line is not None
        assert sorted(scale.values)[(len(scale.values) - 1) // 2] == pytest.approx(1.0)
        top = max(scale.values)
        assert (top >= scale.line) is flagged is (det["verdict"] == "backdoored")
        html = render_audit(result, "html")
        assert "stroke-dasharray" in html and "flag line" in html
        assert ("above the line" if flagged else "below the line") in html


def test_flag_line_moves_the_verdict(backdoored_result):
    """Raising the top class to just above the line flags the model; just below, not."""
    from trojanscope.detect.flag_level import _probability_function, flag_level

    det = backdoored_result.detection
    scores = [r["score"] for r in sorted(det["per_class"], key=lambda r: r["class"])]
    line = flag_level(det)
    assert line == pytest.approx(det["flag_level"])  # what the audit recorded
    prob = _probability_function(det)
    top = scores.index(max(scores))
    for factor, flagged in ((1.002, True), (0.998, False)):
        moved = [*scores[:top], line * factor, *scores[top + 1:]]
        assert (prob(moved) >= det["threshold"]) is flagged


def test_chart_without_the_shipped_calibrator_draws_no_line(backdoored_result):
    from trojanscope.detect.flag_level import flag_level
    from trojanscope.report.audit_chart import chart_scale

    det = {**backdoored_result.detection, "probability": 0.42}  # another calibration file
    assert flag_level(det) is None
    assert chart_scale({**det, "flag_level": None}).line is None
    nc = {**backdoored_result.detection, "method": "neural_cleanse"}
    scale = chart_scale(nc)
    assert scale.line is None and not scale.normalised


@pytest.mark.parametrize("case", ["backdoored", "clean", "code", "inconclusive", "tampered"])
def test_what_next_fits_the_rating_and_names_real_commands(case, backdoored_result, clean_result,
                                                           tmp_path, evil_pickle, run_dirs,
                                                           shared_inspections):
    """(The inconclusive and tampered cases' data-free audits of the same weights inspect
    once, through the worker's memo: stop 62.)"""
    import shlex

    from trojanscope.cli.main import _command

    if case == "backdoored":
        result, expected = backdoored_result, ["Quarantine the model", "trojanscope detect"]
    elif case == "clean":
        result = clean_result
        expected = ["Continue your normal review", "Sign the reviewed folder"]
    elif case == "code":
        path = tmp_path / "model.pt"
        path.write_bytes(evil_pickle(tmp_path / "ran"))
        result, expected = run_audit(path), ["Do not load this file anywhere", "trojanscope scan"]
    elif case == "inconclusive":  # every probability is "inconclusive" from 0 up
        result = run_audit(run_dirs["clean"], AuditOptions(data_free=True, inconclusive_at=0.0))
        expected = ["Hold the model", "--data MORE_CLEAN.npz", "trojanscope detect"]
    else:  # a file changed after export: the manifest's digest no longer matches
        folder = shutil_copy(run_dirs["clean"], tmp_path / "model")
        (folder / "model.onnx").write_bytes(b"changed")
        result = run_audit(folder, AuditOptions(data_free=True))
        expected = ["Do not deploy these files", "--key PUBLISHER.pub"]
    assert result.rating.label == {"backdoored": "high", "clean": "low", "code": "critical",
                                   "inconclusive": "medium", "tampered": "high"}[case] or (
        case == "backdoored" and result.rating.label == "critical")
    html = render_audit(result, "html")
    section = html[html.index('id="next-steps"'):html.index("<h2>Steps</h2>")]
    for text in [*expected, "Keep the evidence", "trojanscope history --model"]:
        assert text in section, text
    for item in section.split("<li>")[1:]:  # every placeholder is explained where it is used
        text = item.split('<pre class="cmd">')[0]
        for command in _commands(item):
            for stem in re.findall(r"\b([A-Z][A-Z_]+)(?:\.[a-z]+)*\b", command):
                assert re.search(r"(?:\(|; )" + stem + r"[\w.]*[:)]", text), (stem, text)
    parser = _command()
    for command in _commands(section):  # each parses with the real CLI: names, options, types
        args = shlex.split(command)
        assert args[0] == "trojanscope" and args[1] in parser.commands, command
        parser.commands[args[1]].make_context(args[1], args[2:])


def test_reproduce_command_runs_as_printed_twice(run_dirs, tmp_path, monkeypatch):
    import html as html_lib
    import shlex

    from memo import Memo, share_inspections
    from trojanscope.cli.main import run

    monkeypatch.chdir(tmp_path)
    model = shutil_copy(run_dirs["clean"], tmp_path / "model")
    argv = ["audit", "model", "--data-free", "--seed", "3", "--report", "rep", "--no-history"]
    first = run(argv)
    original = (tmp_path / "rep" / "report.html").read_text()
    assert "not recorded in the history database (it ran with --no-history)" in original
    printed = html_lib.unescape(re.search(
        r'id="reproduce-command"><code>(.*?)</code>', original, re.S).group(1))
    cd, _, command = printed.partition(" && ")
    assert shlex.split(cd) == ["cd", str(tmp_path)]
    args = shlex.split(command)
    assert args[:2] == ["trojanscope", "audit"] and "--force" in args
    monkeypatch.chdir(model)  # start elsewhere: the printed cd makes the relative paths work
    monkeypatch.chdir(shlex.split(cd)[1])
    # the rerun's detection is made afresh and compared below; the second rerun (the rerun
    # folder exists by then: --force) reads the first's, through a memo of this test's own
    # (stop 62: one data-free detection fewer)
    share_inspections(monkeypatch, Memo())
    for _ in range(2):
        assert run(args[1:]) == first
    rerun = json.loads((tmp_path / "rep-rerun" / "audit.json").read_text())
    doc = json.loads((tmp_path / "rep" / "audit.json").read_text())
    assert rerun["detection"]["probability"] == doc["detection"]["probability"]
    assert rerun["rating"] == doc["rating"]
    assert (tmp_path / "rep" / "report.html").read_text() == original  # evidence untouched


def shutil_copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_reproduce_command_rewrites_outputs():
    from trojanscope.report.audit_next import reproduce_command

    assert reproduce_command("trojanscope audit m --report r/x/ --format sarif -o out.sarif") == (
        "trojanscope audit m --report r/x-rerun --format sarif -o out-rerun.sarif --force")
    assert reproduce_command("trojanscope audit m --report=rep --force") == (
        "trojanscope audit m --report=rep-rerun --force")
    assert reproduce_command("trojanscope audit 'my model'") == "trojanscope audit 'my model'"
    assert reproduce_command("") == ""


def test_markdown_signature_row_says_not_signed(backdoored_result):
    text = render_audit(backdoored_result, "markdown")
    assert "| Signature verification | not signed | nothing proves" in text
