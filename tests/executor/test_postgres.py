"""``audit-registry`` into a real PostgreSQL server that the test starts itself (Debian's
``postgresql`` package, run as the ``postgres`` user in a temp folder), through SQLAlchemy's
pg8000 or psycopg driver. Slow (a server start), and skipped where the server or a driver is
missing; ``TROJANSCOPE_TEST_PG_DRIVER_PATH`` may name a folder holding pg8000
(``pip install --target``) for environments that do not install it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from trojanscope.cli.main import run
from trojanscope.experiment import save_experiment

pytestmark = pytest.mark.slow
FAST = ["-m", "trigger_search", "-p", "per_class=8", "-p", "warmup_steps=20",
        "-p", "refine_steps=20", "-p", "batch_per_arm=8"]


def _driver() -> str:
    extra = os.environ.get("TROJANSCOPE_TEST_PG_DRIVER_PATH")
    if extra and extra not in sys.path:
        sys.path.insert(0, extra)
    for module, dialect in (("psycopg", "psycopg"), ("pg8000", "pg8000")):
        try:
            __import__(module)
            return dialect
        except ImportError:
            continue
    pytest.skip("needs a PostgreSQL driver (psycopg or pg8000)")


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory):
    from trojanscope.testing.postgres import available, postgres_server

    dialect = _driver()
    if (why := available()) is not None:
        pytest.skip(why)
    with postgres_server(tmp_path_factory.mktemp("pg"), dialect) as url:
        yield url


def test_audit_registry_into_postgresql(postgres_url, tmp_path, clean_run, backdoored_run,
                                        capsys) -> None:
    from trojanscope.audit.history import HistoryStore

    root = tmp_path / "models"
    save_experiment(clean_run, root / "clean", exports=False)
    save_experiment(backdoored_run, root / "backdoored", exports=False)
    args = ["audit-registry", str(root), "--db", postgres_url, "--executor", "serial",
            "--format", "json", *FAST]
    assert run(args) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["audited"] == 2
    records = HistoryStore(postgres_url).query()
    assert sorted(Path(r.target).name for r in records) == ["backdoored", "clean"]
    assert run([*args, "--resume"]) in (0, 1)
    resumed = json.loads(capsys.readouterr().out)
    assert resumed["summary"]["resumed"] == 2
    assert {m["headline"] for m in resumed["models"]} == {  # read with the document deferred
        m["headline"] for m in doc["models"]}
    assert len(HistoryStore(postgres_url).query()) == 2
    # a server that is not there: one error line, exit 2
    dead = postgres_url.rsplit(":", 1)[0] + ":1/postgres"
    assert run(["audit-registry", str(root), "--db", dead]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "history database postgresql" in err
