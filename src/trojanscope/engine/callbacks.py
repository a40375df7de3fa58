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
    samples: int = 0  # the size of the set trained on (a defence may train on a subset)
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


class FinalFit(Callback):
    """The size of the set the last training it was passed to ran on: the final model's, with
    or without a defence (a defence passes the CLI's callbacks to that training only; DPA's
    partition models, which set their own steps, get none), so the CLI's short-training note
    (``cli.experiment_opts.training_notes``) judges the training the model had (stop 75: ABL
    on a user's 160 samples got no note, plain ``train`` on the same file did)."""

    def __init__(self) -> None:
        self.samples = 0

    def on_train_start(self, state: TrainState) -> None:
        self.samples = state.samples
