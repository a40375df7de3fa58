"""Saved tiny model folders for the audit tests (built once per session)."""

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


@pytest.fixture
def history_db(tmp_path, monkeypatch) -> Path:
    """Every test gets its own history database (never the user's)."""
    db = tmp_path / "history.sqlite"
    monkeypatch.setenv("TROJANSCOPE_DB", str(db))
    return db
