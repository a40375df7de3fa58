"""``serial``: tasks one after another in the calling process (no workers, easiest to debug)."""

from __future__ import annotations

from trojanscope.executor.base import Executor, Outcome, Task, call_task
from trojanscope.registry import register


@register("executor", "serial")
class SerialExecutor(Executor):
    """Run the tasks one after another in the calling process."""

    name = "serial"

    def __init__(self, workers: int | None = None, tries: int = 3) -> None:
        super().__init__(workers, tries)
        self._pending: Task | None = None

    def _slots(self) -> int:
        return 1

    def _submit(self, task: Task) -> None:
        self._pending = task

    def _wait(self) -> tuple[Task, Outcome]:
        task, self._pending = self._pending, None
        assert task is not None
        return task, call_task(task, one_thread=False)  # the caller's own threads
