"""The executor interface: run many independent tasks, yield results as they finish.

Every many-item command (``zoo make``, ``audit-registry``, ``bench``) builds a list of
:class:`Task` and hands it to one :class:`Executor` (registry kind ``executor``): ``serial`` in the
calling process, ``process`` in a local process pool, ``ray`` on Ray. Each task carries its own
seed, so its result does not depend on which worker ran it or in which order. The retry policy
lives here, once for all back-ends: a task that raises, or whose worker dies, is tried again up to
``tries`` times and then reported as failed with the reason; bad input (:class:`UserInputError`)
is not retried, it would fail the same way again.
"""

from __future__ import annotations

import os
import socket
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trojanscope.errors import UserInputError

DEFAULT_TRIES = 3


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args, **kwargs)`` run under the task's own ``seed``.

    ``fn`` must be a module-level function (it travels to other processes by name); ``key``
    names the task in progress lines, results and resumption, and is unique within a run.
    """

    key: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


@dataclass
class Outcome:
    """What one attempt gave, as it travels back from a worker."""

    ok: bool
    value: Any = None
    error: str | None = None
    retry: bool = True  # worth another try (False for bad input)
    elapsed_s: float = 0.0
    worker: str = ""


@dataclass
class TaskResult:
    """The final result of a task: its value, or why it failed after ``attempts`` tries."""

    key: str
    ok: bool
    value: Any = None
    error: str | None = None
    attempts: int = 1
    elapsed_s: float = 0.0
    worker: str = ""


class TasksFailed(UserInputError):
    """Some tasks still failed after every try (the others' results are kept): one line
    naming them and why, and exit code 2 in the CLI."""

    def __init__(self, failed: list[TaskResult], total: int, what: str = "tasks") -> None:
        self.failed = failed
        shown = "; ".join(f"{r.key} ({r.error})" for r in failed[:3])
        more = f"; and {len(failed) - 3} more" if len(failed) > 3 else ""
        super().__init__(f"{len(failed)} of {total} {what} failed after every try: {shown}{more}"
                         "; rerun the same command to retry them (finished ones are kept)")


class Listener:
    """Hooks a progress display implements; the defaults do nothing."""

    def on_start(self, total: int) -> None:
        """The run starts with ``total`` tasks."""

    def on_submit(self, task: Task, attempt: int) -> None:
        """``task`` was handed to a worker (``attempt`` counts from 1)."""

    def on_retry(self, task: Task, reason: str) -> None:
        """An attempt of ``task`` failed and it goes back in the queue."""

    def on_result(self, result: TaskResult) -> None:
        """``result`` is final (done or failed)."""


def worker_label() -> str:
    """``host:pid`` of the process running a task (results say where they were computed)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def call_task(task: Task, *, one_thread: bool = True) -> Outcome:
    """Run one attempt of ``task`` in the current process: one torch thread in a worker (workers
    share the cores), the global torch RNG seeded from the task (so stray draws do not depend on
    what the worker ran before), and any exception turned into a failed :class:`Outcome` that
    names it."""
    start = time.perf_counter()
    try:
        import torch

        from trojanscope.engine.train import seeded

        if one_thread:
            torch.set_num_threads(1)
        with seeded(task.seed):
            value = task.fn(*task.args, **task.kwargs)
    except UserInputError as exc:
        return Outcome(False, error=str(exc), retry=False,
                       elapsed_s=time.perf_counter() - start, worker=worker_label())
    except Exception as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}".splitlines()[0],
                       elapsed_s=time.perf_counter() - start, worker=worker_label())
    return Outcome(True, value, elapsed_s=time.perf_counter() - start, worker=worker_label())


class Executor(ABC):
    """Runs tasks; :meth:`map` yields each :class:`TaskResult` as soon as it is final.

    Back-ends implement three small methods: how many tasks may run at once (:meth:`_slots`),
    hand one over (:meth:`_submit`), and wait for the next attempt to end (:meth:`_wait`).
    Use it as a context manager so that workers are released.
    """

    name = "executor"

    def __init__(self, workers: int | None = None, tries: int = DEFAULT_TRIES) -> None:
        if workers is not None and workers < 1:
            raise UserInputError(f"--workers must be at least 1, got {workers}")
        if tries < 1:
            raise UserInputError(f"--tries must be at least 1, got {tries}")
        self.workers = workers
        self.tries = tries

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Acquire workers (a no-op by default; Ray connects here)."""
        return None

    def close(self) -> None:
        """Release workers; tasks still running are abandoned."""
        return None

    def describe(self) -> str:
        """One line naming the back-end and its workers, for progress output and reports."""
        return f"{self.name}, {self.slots()} worker(s)"

    def slots(self) -> int:
        """How many tasks run at once."""
        return self._slots()

    @abstractmethod
    def _slots(self) -> int: ...

    @abstractmethod
    def _submit(self, task: Task) -> None:
        """Start one attempt of ``task``."""

    @abstractmethod
    def _wait(self) -> tuple[Task, Outcome]:
        """Block until an attempt ends; its task and outcome (a dead worker is a failed
        outcome worth retrying)."""

    def map(self, tasks: Iterable[Task], listener: Listener | None = None) -> Iterator[TaskResult]:
        """Run every task; yield results in the order they finish."""
        tasks = list(tasks)
        keys = [t.key for t in tasks]
        if len(set(keys)) != len(keys):
            raise ValueError("task keys must be unique")
        listener = listener or Listener()
        listener.on_start(len(tasks))
        if not tasks:
            return
        self.start()
        queue: deque[Task] = deque(tasks)
        attempts: dict[str, int] = {}
        elapsed: dict[str, float] = {}
        running = 0
        while queue or running:
            while queue and running < self.slots():
                task = queue.popleft()
                attempts[task.key] = attempts.get(task.key, 0) + 1
                listener.on_submit(task, attempts[task.key])
                self._submit(task)
                running += 1
            task, outcome = self._wait()
            running -= 1
            elapsed[task.key] = elapsed.get(task.key, 0.0) + outcome.elapsed_s
            if not outcome.ok and outcome.retry and attempts[task.key] < self.tries:
                listener.on_retry(task, outcome.error or "failed")
                queue.appendleft(task)
                continue
            result = TaskResult(task.key, outcome.ok, outcome.value, outcome.error,
                                attempts[task.key], elapsed[task.key], outcome.worker)
            listener.on_result(result)
            yield result
