"""A throw-away PostgreSQL server for tests and benchmarks of the history database: Debian's
``postgresql`` binaries run as the ``postgres`` user on a free local port, data in a folder of
the caller's, trust authentication, stopped on exit."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")


def available() -> str | None:
    """Why no server can be started here (``None``: it can)."""
    if not PG_ROOT.is_dir() or not any(PG_ROOT.iterdir()):
        return "needs Debian's postgresql package"
    if not shutil.which("runuser"):
        return "needs runuser (util-linux) to run the server as the postgres user"
    return None


@contextmanager
def postgres_server(folder: Path, dialect: str = "psycopg") -> Iterator[str]:
    """Start a server with its data under ``folder``; yields its SQLAlchemy URL
    (``postgresql+DIALECT://postgres@127.0.0.1:PORT/postgres``)."""
    bindir = PG_ROOT / sorted(os.listdir(PG_ROOT))[-1] / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    for parent in (folder, *folder.parents):  # the postgres user must reach its folder
        if parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o011)
    shutil.chown(folder, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    as_pg = ["runuser", "-u", "postgres", "--"]
    data = folder / "db"
    subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True)
    subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
                    "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "-w",
                    "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+{dialect}://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, check=False)


def server_version() -> str:
    bindir = PG_ROOT / sorted(os.listdir(PG_ROOT))[-1] / "bin"
    return subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True,
                          text=True, check=False).stdout.strip()
