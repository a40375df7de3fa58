"""Saved tiny model folders for the audit tests (built once per session), and the audits
several test files read of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.experiment import save_experiment


@pytest.fixture
def evil_pickle():
    """Protocol-0 pickle bytes whose loading would run ``touch MARKER`` (never loaded here)."""

    def make(marker: Path) -> bytes:
        return f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()

    return make


@pytest.fixture(scope="session")
def run_dirs(tmp_path_factory, backdoored_run, clean_run) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("audit-models")
    save_experiment(backdoored_run, root / "backdoored")
    save_experiment(clean_run, root / "clean")
    return {"backdoored": root / "backdoored", "clean": root / "clean"}


@pytest.fixture(scope="session")
def _audit_cache():
    from memo import Memo

    return Memo()


@pytest.fixture(scope="session")
def audited(_audit_cache, _inspection_memo, run_dirs):
    """``audited(name, **options)``: ``run_audit(run_dirs[name], AuditOptions(**options))``,
    made once per worker for the same call (stop 61, hfc: four files read the default audit of
    each tiny model; the same folder, options and seed give the same result) and handed out as
    a deep copy each time, so what a test changes reaches no other. An audit under a
    ``monkeypatch`` or with a test's own steps is no such call: run it directly. Its detection
    goes through the worker's inspection memo (``shared_inspections``, stop 62): audits that
    differ only in options the detector does not read (``command``) inspect once, and so do
    the CLI audits of ``test_audit_cli.py`` where the same worker runs both."""
    from memo import share_inspections
    from trojanscope.audit import AuditOptions, run_audit

    def make(name: str, options: dict):
        with pytest.MonkeyPatch.context() as patch:
            share_inspections(patch, _inspection_memo)
            return run_audit(run_dirs[name], AuditOptions(**options))

    def audit(name: str, **options):
        key = (name, tuple(sorted(options.items())))
        return _audit_cache.get(key, lambda: make(name, options))

    return audit


@pytest.fixture
def history_db(tmp_path, monkeypatch) -> Path:
    """Every test gets its own history database (never the user's)."""
    db = tmp_path / "history.sqlite"
    monkeypatch.setenv("TROJANSCOPE_DB", str(db))
    return db
