"""``process``: a local pool of worker processes (the default of every many-item command).

Each worker is a spawned process that takes one task at a time over a pipe, so the parent
always knows which task a worker holds: a worker that dies (killed, out of memory, a crash in
native code) costs only that task, which is retried, and the worker is replaced.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from multiprocessing.connection import Connection, wait
from typing import Any

from trojanscope.executor.base import Executor, Outcome, Task, call_task, worker_label
from trojanscope.registry import register


def _worker_main(conn: Connection) -> None:
    """A worker's loop: one torch thread, then tasks until the parent sends ``None``."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        outcome = call_task(task)
        try:
            conn.send(outcome)
        except Exception as exc:  # a value that cannot travel back
            conn.send(Outcome(False, error=f"result could not be sent back: {exc}",
                              retry=False, elapsed_s=outcome.elapsed_s, worker=worker_label()))


class _Worker:
    """One worker process, its pipe and the task it holds."""

    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True,
                                   name="trojanscope-worker")
        self.process.start()
        child.close()
        self.task: Task | None = None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


@register("executor", "process")
class ProcessExecutor(Executor):
    """Run the tasks in a local pool of worker processes (``--workers``, default: the CPUs)."""

    name = "process"

    def __init__(self, workers: int | None = None, tries: int = 3) -> None:
        super().__init__(workers, tries)
        self._ctx = mp.get_context("spawn")  # no fork of a parent holding torch's threads
        self._pool: list[_Worker] = []

    def _slots(self) -> int:
        return self.workers or os.cpu_count() or 1

    def _idle(self) -> _Worker:
        for worker in self._pool:
            if worker.task is None:
                return worker
        worker = _Worker(self._ctx)  # workers start on demand: a short run starts few
        self._pool.append(worker)
        return worker

    def _submit(self, task: Task) -> None:
        worker = self._idle()
        worker.task = task
        worker.conn.send(task)

    def _wait(self) -> tuple[Task, Outcome]:
        busy = [w for w in self._pool if w.task is not None]
        by_handle: dict[Any, _Worker] = {}
        for w in busy:
            by_handle[w.conn] = w
            by_handle[w.process.sentinel] = w
        ready = wait(list(by_handle))
        conns = {w.conn for w in busy}
        worker = by_handle[next((h for h in ready if h in conns), ready[0])]  # results first
        task, worker.task = worker.task, None
        assert task is not None
        try:
            if worker.conn.poll():
                return task, worker.conn.recv()
        except (EOFError, OSError):
            pass
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        self._pool.remove(worker)
        worker.conn.close()
        return task, Outcome(False, error=f"worker process died (exit code {code})",
                             worker=f"pid {worker.process.pid}")

    def close(self) -> None:
        for worker in self._pool:
            worker.stop()
        self._pool = []
