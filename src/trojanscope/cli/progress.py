"""A rich progress bar for the training loop, on stderr."""

from __future__ import annotations

from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trojanscope.cli.common import stderr_console
from trojanscope.engine.callbacks import Callback, TrainState


class ProgressCallback(Callback):
    """A rich progress bar over training steps, on stderr."""

    def __init__(self, description: str = "training") -> None:
        self.description = description
        self.progress: Progress | None = None
        self.task: Any = None

    def on_train_start(self, state: TrainState) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epoch {task.fields[epoch]} loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            console=stderr_console(),
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            self.description, total=state.epochs * state.steps_per_epoch, epoch=1, loss="-"
        )

    def on_batch_end(self, state: TrainState) -> None:
        if self.progress is not None:
            self.progress.update(
                self.task, advance=1, epoch=state.epoch + 1, loss=f"{state.loss:.3f}"
            )

    def on_train_end(self, state: TrainState) -> None:
        if self.progress is not None:
            self.progress.stop()
