"""Hooks into the training loop: attacks, mitigations and the CLI extend it without copies."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor, nn


@dataclass
class TrainState:
    """What callbacks see. ``x``/``y`` may be replaced in ``on_batch_start`` to change a batch."""

    model: nn.Module
    epochs: int
    steps_per_epoch: int
    # the optimisation steps of the whole run (``Trainer(steps=...)`` may cut the last epoch)
    total_steps: int = 0
    epoch: int = 0
    step: int = 0
    x: Tensor | None = None
    y: Tensor | None = None
    loss: float = float("nan")
    epoch_losses: list[float] = field(default_factory=list)
    stop: bool = False  # a callback sets this to end training after the current batch


class Callback:
    """Base class: override the hooks you need; each receives the shared :class:`TrainState`."""

    def on_train_start(self, state: TrainState) -> None: ...

    def on_epoch_start(self, state: TrainState) -> None: ...

    def on_batch_start(self, state: TrainState) -> None: ...

    def on_batch_end(self, state: TrainState) -> None: ...

    def on_epoch_end(self, state: TrainState) -> None: ...

    def on_train_end(self, state: TrainState) -> None: ...
