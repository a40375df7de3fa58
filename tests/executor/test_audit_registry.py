"""``audit-registry``: every model of a folder audited through the executor, each result in
the history database as it lands, ``--resume`` skips what is done, malicious files are findings
(scanned, never loaded), unreadable files are failed items, bad settings one error line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from trojanscope.cli.main import run
from trojanscope.experiment import save_experiment

FAST = ["-m", "trigger_search", "-p", "per_class=8", "-p", "warmup_steps=20",
        "-p", "refine_steps=20", "-p", "batch_per_arm=8"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory, backdoored_run, clean_run) -> tuple[Path, Path]:
    """Two run folders, a malicious pickle named like a checkpoint, a non-model file."""
    root = tmp_path_factory.mktemp("registry") / "models"
    save_experiment(backdoored_run, root / "team-a" / "backdoored", exports=False)
    save_experiment(clean_run, root / "clean", exports=False)
    marker = root.parent / "PWNED"
    (root / "vendor").mkdir()
    (root / "vendor" / "evil.pt").write_bytes(f"cos\nsystem\n(S'touch {marker}'\ntR.".encode())
    (root / "vendor" / "README.txt").write_text("not a model")
    return root, marker


def records(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT target, rating FROM audits ORDER BY id").fetchall()


def test_audits_every_model_and_resumes(registry, tmp_path, capsys, monkeypatch) -> None:
    root, marker = registry
    monkeypatch.chdir(tmp_path)  # a relative --report (the history holds absolute paths)
    db, report = tmp_path / "h.sqlite", Path("reports")
    args = ["audit-registry", str(root), "--db", str(db), "--report", str(report),
            "--executor", "serial", "--format", "json", *FAST]
    assert run(args) == 1  # the malicious file is rated critical: found, not an error
    doc = json.loads(capsys.readouterr().out)
    rows = {m["key"]: m for m in doc["models"]}
    assert set(rows) == {"team-a/backdoored", "clean", "vendor/evil.pt"}
    assert all(m["status"] == "audited" for m in rows.values())
    assert rows["vendor/evil.pt"]["rating"] == "critical" and not marker.exists()
    assert len(records(db)) == 3  # one row per model
    assert (report / "team-a" / "backdoored" / "report.html").is_file()
    index = json.loads((report / "index.json").read_text())
    assert index["summary"]["audited"] == 3
    assert 'href="team-a/backdoored/report.html"' in (report / "index.html").read_text()
    # --resume: nothing is audited again, nothing is recorded twice
    assert run([*args, "--resume"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert {m["status"] for m in again["models"]} == {"resumed"}
    assert len(records(db)) == 3
    assert {m["key"]: m["rating"] for m in again["models"]} == {
        k: m["rating"] for k, m in rows.items()}
    assert 'href="team-a/backdoored/report.html"' in (report / "index.html").read_text()
    # a non-empty --report needs --force or --resume
    assert run(args) == 2
    assert "--report" in capsys.readouterr().err


def test_unreadable_file_is_a_failed_item(registry, tmp_path, capsys, monkeypatch) -> None:
    from trojanscope.audit import batch

    root, _ = registry
    real = batch.model_digests

    def digests(target, signature=None):
        if target.name == "evil.pt":
            raise PermissionError(13, "Permission denied", str(target))
        return real(target, signature)

    monkeypatch.setattr(batch, "model_digests", digests)
    db = tmp_path / "h.sqlite"
    code = run(["audit-registry", str(root), "--db", str(db), "--executor", "serial",
                "--format", "json", "--fail-on", "critical", *FAST])
    doc = json.loads(capsys.readouterr().out)
    rows = {m["key"]: m for m in doc["models"]}
    assert rows["vendor/evil.pt"]["status"] == "failed"
    assert "Permission denied" in rows["vendor/evil.pt"]["error"]
    assert rows["clean"]["status"] == "audited"  # the run went on
    assert code in (1, 2) and len(records(db)) == 2


# slow by nature: three audits in fresh Ray workers, each importing torch (CPU the suite's own
# timing never sees); the Ray back-end's contract runs by default in test_executors.py, and
# audit-registry itself through the serial executor here (zoo make and eval: process and ray)
@pytest.mark.slow
def test_through_ray(registry, tmp_path, capsys, local_ray) -> None:
    root, marker = registry
    db = tmp_path / "h.sqlite"
    assert run(["audit-registry", str(root), "--db", str(db), "--executor", "ray",
                "--format", "json", *FAST]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["audited"] == 3 and len(records(db)) == 3
    assert not marker.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--db", "/proc/no/such/h.sqlite"], "history database"),
    (["--executor", "ray", "--address", "127.0.0.1:9"], "unreachable"),
    (["--fail-on", "nope"], "unknown severity"),
])
def test_bad_settings_are_one_error_line(registry, tmp_path, capsys, args, message,
                                         monkeypatch) -> None:
    pytest.importorskip("ray") if "ray" in args else None
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    root, _ = registry
    report = tmp_path / "rep"
    base = ["audit-registry", str(root), "--report", str(report)]
    if "--db" not in args:
        base += ["--db", str(tmp_path / "h.sqlite")]
    assert run([*base, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and message in err
    assert not report.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--data", "{tmp}/no-such.npz"], "--data"),
    (["--executor", "nosuch"], "unknown executor 'nosuch'"),
    (["--executor", "serial", "--address", "ray://x:1"], "--address is for --executor ray"),
    (["--method", "nosuch"], "unknown detector 'nosuch'"),
    (["-p", "nosuch=1"], "has no parameter(s) nosuch"),
])
def test_bad_settings_leave_no_history_database(registry, tmp_path, capsys, args, message):
    """Refused before the history database is created (stop 34: it was created first)."""
    root, _ = registry
    db = tmp_path / "h.sqlite"
    code = run(["audit-registry", str(root), "--db", str(db),
                *[a.format(tmp=tmp_path) for a in args]])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("error:") and message in err
    assert not db.exists()


def test_not_a_folder_or_empty(tmp_path, capsys) -> None:
    assert run(["audit-registry", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run(["audit-registry", str(tmp_path / "empty"), "--db",
                str(tmp_path / "h.sqlite")]) == 2
    assert "no model files" in capsys.readouterr().err
    assert not (tmp_path / "h.sqlite").exists()  # refused before the database is created
