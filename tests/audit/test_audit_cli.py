"""``trojanscope audit``, ``history`` and ``demo`` from the command line."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest

from trojanscope.cli.main import run

# Three audits of the backdoored folder read one detection: each inspection is made once per
# worker for the same detector, model, data and seed (``shared_inspections``, stop 62).
pytestmark = pytest.mark.usefixtures("shared_inspections")


def test_audit_exit_codes_and_sarif_output(run_dirs, tmp_path, history_db, capsys):
    out = tmp_path / "audit.sarif"
    code = run(["audit", str(run_dirs["backdoored"]), "--format", "sarif", "--output", str(out)])
    assert code == 1
    sarif = json.loads(out.read_text())
    assert sarif["runs"][0]["properties"]["rating"] in ("high", "critical")
    # The same model passes when the gate is set above its rating.
    assert run(["audit", str(run_dirs["backdoored"]), "--fail-on", "critical",
                "--critical-at", "1.0", "--no-history"]) == 0
    # A narrow console (a long temp path, a worker of pytest-xdist) may wrap the words.
    assert "risk rating" in re.sub(r"[\s│┃║|]+", " ", capsys.readouterr().out)


def test_report_folder_json_stdout_and_history(run_dirs, tmp_path, history_db, capsys):
    report = tmp_path / "reports"
    code = run(["audit", str(run_dirs["backdoored"]), "--report", str(report), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["verdict"] == "fail"
    assert {"report.html", "audit.json", "audit.sarif", "audit.md", "bom.cdx.json", "images"} <= {
        p.name for p in report.iterdir()}
    # A second audit may not overwrite the report folder without --force.
    assert run(["audit", str(run_dirs["backdoored"]), "--report", str(report)]) == 2
    assert "--report" in capsys.readouterr().err

    assert run(["history", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["model_sha256"] == doc["model_sha256"]
    assert str(report / "report.html") in rows[0]["reports"]
    assert run(["history", "--model", doc["model_sha256"][:8], "--format", "csv"]) == 0
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row["verdict"] == "fail"
    assert run(["history"]) == 0 and doc["model_sha256"][:12] in capsys.readouterr().out


def test_critical_file_exit_code_and_message(tmp_path, history_db, capsys, evil_pickle):
    path = tmp_path / "model.pt"
    path.write_bytes(evil_pickle(tmp_path / "ran"))
    assert run(["audit", str(path)]) == 1
    out = capsys.readouterr().out
    assert "CRITICAL" in out and "not loaded" in out
    assert not (tmp_path / "ran").exists()


def test_step_error_exits_2_with_one_line(history_db, capsys, tmp_path):
    # a model file that cannot be loaded (not bad --data, which writes nothing: test_bad_data)
    model = tmp_path / "model.onnx"
    model.write_bytes(b"not an onnx graph")
    code = run(["audit", str(model), "--report", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: step 'load' could not run:" in err and "Traceback" not in err
    doc = json.loads((tmp_path / "r" / "audit.json").read_text())
    assert doc["verdict"] == "incomplete"
    assert next(s for s in doc["steps"] if s["name"] == "load")["status"] == "error"


def test_a_step_that_could_not_run_is_the_last_line(history_db, capsys, tmp_path):
    """The report is written, and the error ends stderr (first contact, stop 57: a ViT folder's
    audit ended on "wrote reports/vit" after its one error line, as if it had passed)."""
    model = tmp_path / "model.onnx"
    model.write_bytes(b"not an onnx graph")
    assert run(["audit", str(model), "--report", str(tmp_path / "r")]) == 2
    lines = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert any(x.startswith("wrote ") for x in lines), lines
    assert lines[-1].startswith("error: step 'load' could not run:"), lines
    assert sum(x.startswith("error:") for x in lines) == 1, lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "no/such/model"], "no such file"),
        (["audit", "{empty}"], "empty folder"),
        (["audit", "{model}", "--fail-on", "severe"], "unknown severity"),
        (["audit", "{model}", "--threshold", "1.5"], "threshold"),
        (["audit", "{model}", "--output", "x.json"], "--output needs"),
        (["audit", "{model}", "--db", "{file}/h.sqlite"], "history database"),
        (["audit", "{model}", "-f", "json", "-o", "{empty}"], "is a folder"),
        (["audit", "{model}", "-r", "{tmp}/r", "-f", "json", "-o", "{tmp}/r/x.json"], "inside"),
        (["history", "--rating", "bad"], "--rating"),
        (["history", "--model", "xyz"], "--model"),
    ],
)
def test_bad_input_is_one_error_line(run_dirs, tmp_path, history_db, capsys, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    subst = {"{empty}": str(tmp_path / "empty"), "{model}": str(run_dirs["clean"]),
             "{tmp}/r": str(tmp_path / "r"), "{tmp}/r/x.json": str(tmp_path / "r" / "x.json"),
             "{file}/h.sqlite": str(tmp_path / "file" / "h.sqlite")}
    code = run([subst.get(a, a) for a in args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_signed_folder_with_key(run_dirs, tmp_path, history_db, capsys):
    folder = tmp_path / "m"
    shutil.copytree(run_dirs["clean"], folder)
    assert run(["keygen", str(tmp_path / "k.pem")]) == 0
    assert run(["sign", str(folder), "--key", str(tmp_path / "k.pem")]) == 0
    code = run(["audit", str(folder), "--key", str(tmp_path / "k.pem.pub"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc["rating"]
    signature = next(s for s in doc["steps"] if s["name"] == "signature")
    assert signature["details"]["ok"] is True


# slow by nature (stop 38: 88 of the default suite's CPU seconds, the most of any test): two
# MNIST models trained and audited, the README's first command and its verdicts; run by
# `pytest -m slow` (benchmarks/suite_times.py --slow) and each stop's Quickstart check. The
# default suite keeps its parts: audits of trained run folders with reports and history (this
# file, test_pipeline.py, test_reports.py) and the refusals below and in test_review_stop35.py.
@pytest.mark.slow
def test_demo_end_to_end(tmp_path, history_db, capsys):
    out = tmp_path / "demo"
    assert run(["demo", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "backdoored" in stdout and str(out / "reports" / "clean" / "report.html") in stdout
    backdoored = json.loads((out / "reports" / "backdoored" / "audit.json").read_text())
    clean = json.loads((out / "reports" / "clean" / "audit.json").read_text())
    assert backdoored["rating"]["level"] in ("high", "critical")
    assert backdoored["detection"]["suspected_target"] == 0  # the planted target
    assert clean["detection"]["probability"] < backdoored["detection"]["probability"]
    assert clean["rating"]["level"] == "low", clean["rating"]["reasons"]
    assert (out / "reports" / "backdoored" / "report.html").stat().st_size > 10_000
    assert run(["history", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert run(["demo", "--out", str(out)]) == 2  # an existing demo needs --force


def test_demo_refuses_a_folder_in_use_before_training(tmp_path, history_db, capsys):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert run(["demo", "--out", str(out)]) == 2  # an existing demo needs --force
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "--force" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]  # nothing trained or written


def test_output_file_says_the_verdict_beside_it(tmp_path, history_db, capsys, evil_pickle):
    """Stop 75 (hcmd): ``--format sarif --output FILE`` printed only "wrote FILE" (the README's
    CI-gate line); the headline and rating now stand beside it on stderr, stdout stays empty."""
    path = tmp_path / "model.pt"
    path.write_bytes(evil_pickle(tmp_path / "ran"))
    out = tmp_path / ("a-long-folder-name-" * 4) / "audit.sarif"  # a line over any width:
    out.parent.mkdir()  # the console cut the path where the tmp folder's name ran long
    assert run(["audit", str(path), "--format", "sarif", "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert f"wrote {out}: FAIL, rated critical" in captured.err.splitlines(), captured.err
    assert captured.out == "" and json.loads(out.read_text())["runs"]
