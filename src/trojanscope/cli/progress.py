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
)
from trojanscope.engine.callbacks import Callback, TrainState

LINE_EVERY_S = 10.0  # outside a terminal, one progress line at most this often


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
        self._total = state.epochs * state.steps_per_epoch
        self._start = self._last_line = time.monotonic()
        if not interactive():
            stderr_line(f"{self.description}: {state.epochs} epochs of {state.steps_per_epoch} "
                        "steps")
            return
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epoch {task.fields[epoch]} loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=stderr_console(),
            transient=True,
        )
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
        elif time.monotonic() - self._last_line >= LINE_EVERY_S:
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
