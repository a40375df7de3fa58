"""Options of every many-item command (``--executor``, ``--workers``, ``--address``,
``--tries``) and running its tasks with a progress display."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from trojanscope.cli.common import before_tasks

if TYPE_CHECKING:
    from trojanscope.executor import Executor, Listener, TaskResult

EXECUTOR = typer.Option(
    "process", "--executor", "-x",
    help="Where the items run: serial (this process), process (a local process pool) or ray "
    "(`pip install 'trojanscope[ray]'`; a local Ray, or the cluster at --address / "
    "$RAY_ADDRESS).")
WORKERS = typer.Option(
    None, "--workers", "-j", min=1,
    help="Items at once (default: the CPUs; with ray on a cluster, every CPU it has).")
ADDRESS = typer.Option(
    None, "--address", help="Ray cluster address, e.g. ray://head:10001 (default: "
    "$RAY_ADDRESS, else a local Ray).")
TRIES = typer.Option(
    3, "--tries", min=1, help="Tries per item before it is reported as failed.")


@contextmanager
def open_executor(name: str, workers: int | None, address: str | None,
                  tries: int) -> Iterator[Executor]:
    """The executor the options ask for, started (so a Ray that cannot start fails before
    anything is written), its description on stderr when the first task starts (a run refused
    before that prints only its error), released at the end."""
    from trojanscope.executor import create_executor

    executor = create_executor(name, workers=workers, tries=tries, address=address)
    with executor:
        before_tasks(f"executor: {executor.describe()}")  # shown when the first task starts
        try:
            yield executor
        finally:
            before_tasks(None)


@contextmanager
def task_progress(title: str, describe: Callable[[TaskResult], str] | None = None
                  ) -> Iterator[Listener]:
    """A progress display of many tasks for an API function's ``listener``; stopped at the end
    even when the run fails."""
    from trojanscope.cli.progress import TaskProgress

    progress = TaskProgress(title, describe)
    try:
        yield progress
    finally:
        progress.close()
