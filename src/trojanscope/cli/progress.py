"""Training progress on stderr: a bar with an ETA in a terminal, periodic lines elsewhere."""

from __future__ import annotations

import time
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from trojanscope.cli.common import (
    forget_live,
    interactive,
    remember_live,
    stderr_console,
    stderr_line,
    tasks_started,
)
from trojanscope.engine.callbacks import Callback, TrainState

LINE_EVERY_S = 10.0  # outside a terminal, one progress line at most this often


def bar(fields: str) -> Progress:
    """A transient bar on stderr: description, bar, done/total, ``fields`` (a format over the
    task's fields), elapsed time and the time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(fields),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    )


class ProgressCallback(Callback):
    """Training progress over steps, on stderr.

    In a terminal: a rich bar with elapsed time and an estimate of the time left. Elsewhere (a
    pipe, a CI log): a line per epoch, and within long epochs every ``LINE_EVERY_S`` seconds.
    """

    def __init__(self, description: str = "training") -> None:
        self.description = description
        self.progress: Progress | None = None
        self.task: Any = None
        self._start = 0.0
        self._last_line = 0.0
        self._total = 0

    def on_train_start(self, state: TrainState) -> None:
        self._total = state.total_steps or state.epochs * state.steps_per_epoch
        self._start = self._last_line = time.monotonic()
        if not interactive():
            stderr_line(f"{self.description}: {state.epochs} epochs of {state.steps_per_epoch} "
                        "steps")
            return
        self.progress = bar("epoch {task.fields[epoch]} loss {task.fields[loss]}")
        self.progress.start()
        remember_live(self.progress)
        self.task = self.progress.add_task(
            self.description, total=self._total, epoch=1, loss="-"
        )

    def on_batch_end(self, state: TrainState) -> None:
        if self.progress is not None:
            self.progress.update(
                self.task, advance=1, epoch=state.epoch + 1, loss=f"{state.loss:.3f}"
            )
        elif (
            state.step + 1 < state.steps_per_epoch  # the epoch's last: on_epoch_end's line
            and time.monotonic() - self._last_line >= LINE_EVERY_S
        ):
            self._line(state)

    def on_epoch_end(self, state: TrainState) -> None:
        if self.progress is None:
            self._line(state, done_epochs=state.epoch + 1)

    def on_train_end(self, state: TrainState) -> None:
        if self.progress is not None:
            self.progress.stop()
            forget_live(self.progress)
            self.progress = None

    def _line(self, state: TrainState, done_epochs: int | None = None) -> None:
        self._last_line = time.monotonic()
        steps = (done_epochs * state.steps_per_epoch if done_epochs is not None
                 else state.epoch * state.steps_per_epoch + state.step + 1)
        steps = min(max(steps, 1), self._total)
        elapsed = self._last_line - self._start
        left = elapsed / steps * (self._total - steps)
        stderr_line(f"{self.description}: epoch {state.epoch + 1}/{state.epochs}, step "
                    f"{steps}/{self._total}, loss {state.loss:.3f}, {elapsed:.0f} s elapsed, "
                    f"about {left:.0f} s left")


class TaskProgress:
    """Progress of many tasks on stderr (an executor :class:`~trojanscope.executor.Listener`):
    in a terminal a bar with done/failed/running counts and the time left, and a line above it
    per finished task; elsewhere that line with the counts and the time left.

    ``describe(result)`` says what a finished task gave (e.g. a model's CA and ASR).
    """

    def __init__(self, title: str, describe: Any = None) -> None:
        self.title = title
        self.describe = describe or (lambda result: "")
        self.total = self.done = self.failed = self.running = 0
        self._start = 0.0
        self.progress: Progress | None = None
        self.task: Any = None

    def on_start(self, total: int) -> None:
        if total:  # the executor's line, kept until now; none where no task runs (every
            tasks_started()  # item resumed: stop 74's review, hrev (5))
        self.total, self._start = total, time.monotonic()
        if not total or not interactive():
            return
        self.progress = bar("done {task.fields[done]} · failed {task.fields[failed]} · "
                            "running {task.fields[running]}")
        self.progress.start()
        remember_live(self.progress)
        self.task = self.progress.add_task(self.title, total=total, **self._fields())

    def _fields(self) -> dict[str, int]:
        return {"done": self.done, "failed": self.failed, "running": self.running}

    def _update(self, advance: int = 0) -> None:
        if self.progress is not None:
            self.progress.update(self.task, advance=advance, **self._fields())

    def on_submit(self, task: Any, attempt: int) -> None:
        self.running += 1
        self._update()

    def on_retry(self, task: Any, reason: str) -> None:
        self.running -= 1
        self._say(f"{task.key}: {reason}; trying again")
        self._update()

    def on_result(self, result: Any) -> None:
        self.running -= 1
        if result.ok:
            self.done += 1
            what = self.describe(result)
            line = f"{result.key}{': ' + what if what else ''} ({result.elapsed_s:.1f} s)"
        else:
            self.failed += 1
            line = f"{result.key}: FAILED after {result.attempts} tries: {result.error}"
        finished = self.done + self.failed
        if self.progress is None:
            elapsed = time.monotonic() - self._start
            left = elapsed / finished * (self.total - finished)
            line += (f" [{finished}/{self.total}; done {self.done}, failed {self.failed}, "
                     f"running {self.running}; about {left:.0f} s left]")
        else:
            line = f"[{finished}/{self.total}] {line}"
        self._say(line)
        self._update(advance=1)
        if finished == self.total:
            self.close()

    def _say(self, line: str) -> None:
        if self.progress is not None:
            self.progress.console.print(line, markup=False, highlight=False)
        else:
            stderr_line(line)

    def close(self) -> None:
        """Stop the bar (also when the run ends early)."""
        if self.progress is not None:
            self.progress.stop()
            forget_live(self.progress)
            self.progress = None
