"""The history store: transactional, concurrent writers both land, clear errors."""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
from pathlib import Path

import pytest

from trojanscope.audit.history import HistoryStore, db_url, default_db_url
from trojanscope.errors import UserInputError


@pytest.fixture(scope="module")
def result(audited):
    """The clean model's data-free audit (``audited``: its detection is the worker's shared
    one, stop 62)."""
    return audited("clean", data_free=True)


def _write(url: str, target: str, result, barrier) -> None:
    result.target = target
    barrier.wait()
    HistoryStore(url).record(result)


def test_record_and_query(result, tmp_path):
    store = HistoryStore(db_url(tmp_path / "h.sqlite"))
    first = store.record(result, ["r/report.html"])
    second = store.record(result)
    rows = store.query()
    assert [r.id for r in rows] == [second, first]  # newest first
    assert store.query(model_sha256=result.model_sha256[:10].upper())[0].id == second
    assert len(store.query(rating=result.rating.label)) == 2
    other = "low" if result.rating.label != "low" else "high"
    assert store.query(rating=other) == []
    assert store.query(target="clean", limit=1)[0].id == second
    assert rows[1].reports == [str(Path("r/report.html").resolve())]  # stored absolute
    assert rows[0].document["model_sha256"] == result.model_sha256


def test_two_audits_at_once_both_land(result, tmp_path):
    url = db_url(tmp_path / "h.sqlite")  # a fresh file: both processes also create the table
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_write, args=(url, f"model-{i}", result, barrier))
             for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert sorted(Path(r.target).name for r in HistoryStore(url).query()) == ["model-0", "model-1"]


def test_a_failed_transaction_leaves_no_record(result, tmp_path):
    from sqlalchemy import event

    from trojanscope.audit.history import AuditRecord

    store = HistoryStore(db_url(tmp_path / "h.sqlite"))

    def killed(*args):
        raise KeyboardInterrupt  # killed after the row was sent, before the commit

    event.listen(AuditRecord, "after_insert", killed)
    try:
        with pytest.raises(KeyboardInterrupt):
            store.record(result)
    finally:
        event.remove(AuditRecord, "after_insert", killed)
    assert store.query() == []  # nothing half-written
    store.record(result)
    assert len(store.query()) == 1


def test_target_filter_is_literal(result, tmp_path):
    store = HistoryStore(db_url(tmp_path / "h.sqlite"))
    store.record(result)
    assert store.query(target="_") == [] and store.query(target="%") == []
    assert store.query(target="clean")


def test_passwords_never_shown():
    from trojanscope.audit.history import safe_url
    from trojanscope.cli import common

    assert "s3cret" not in safe_url("postgresql+psycopg://admin:s3cret@db/audits")
    common.SETTINGS.argv = ["audit", "m", "--db", "postgresql://admin:s3cret@db/x", "--seed", "1"]
    assert "s3cret" not in common.command_line() and "admin:***@db" in common.command_line()
    common.SETTINGS.argv = ["audit", "m", "--db=postgresql://a:s3cret@h/x"]
    assert "s3cret" not in common.command_line()


def test_locked_database_is_a_clear_error(result, tmp_path):
    path = tmp_path / "h.sqlite"
    store = HistoryStore(db_url(path), timeout=0.2)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(UserInputError, match="locked"):
            store.check_writable()  # caught before an audit starts
        with pytest.raises(UserInputError, match="locked"):
            store.record(result)
    finally:
        holder.rollback()
        holder.close()
    assert store.query() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_database(tmp_path):
    path = tmp_path / "h.sqlite"
    HistoryStore(db_url(path))
    path.chmod(0o444)
    with pytest.raises(UserInputError, match="not writable"):
        HistoryStore(db_url(path)).check_writable()


def test_unusable_locations_and_missing_driver(tmp_path):
    with pytest.raises(UserInputError, match="is a folder"):
        HistoryStore(db_url(tmp_path))
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserInputError, match="cannot create its folder"):
        HistoryStore(db_url(tmp_path / "file" / "h.sqlite"))
    with pytest.raises(UserInputError, match="history database"):
        HistoryStore("nosuchdialect://x/y")


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.delenv("TROJANSCOPE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_url() == f"sqlite:///{tmp_path / 'trojanscope' / 'history.sqlite'}"
    monkeypatch.setenv("TROJANSCOPE_DB", "postgresql+psycopg://u@h/db")
    assert default_db_url() == "postgresql+psycopg://u@h/db"
    assert db_url(Path("x.sqlite")).startswith("sqlite:////")


def test_the_suite_keeps_audits_out_of_the_users_history(tmp_path_factory):
    """Stop 72: a test's audit wrote a row into the user's own history on each suite run."""
    assert str(tmp_path_factory.getbasetemp()) in default_db_url()


def test_an_export_to_a_file_says_what_it_wrote(tmp_path, monkeypatch, capsys):
    """Stop 72: docs/audit.md's ``history --model 3fa9c1 --format csv --output audits.csv``
    matched nothing, wrote a header alone and printed nothing at all."""
    from trojanscope.cli.main import run

    monkeypatch.setenv("TROJANSCOPE_DB", str(tmp_path / "h.sqlite"))
    out = tmp_path / "audits.csv"
    capsys.readouterr()
    assert run(["history", "--model", "3fa9c1", "--format", "csv", "--output", str(out)]) == 0
    err = capsys.readouterr().err  # one line, however long the path (soft_wrap)
    assert f"wrote {out} (0 audits: none recorded matches)" in err
    assert out.read_text().startswith("id,started_at")
