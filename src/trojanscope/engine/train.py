"""The one training loop. Attacks, clean training, mitigations and certification all use it.

Data come through :meth:`BatchDataset.get_batch`, one tensor of indices per step, so a lazy
poisoned view costs one batched trigger call per step and no per-sample Python work. All
randomness (initial weights when built through :func:`seeded`, shuffling, dropout) flows from the
trainer's ``seed``; the global torch RNG state is saved and restored around training.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import BatchDataset
from trojanscope.defaults import TRAINING
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin

OPTIMIZERS = ("adam", "sgd")
MAX_LR = 10.0  # a learning rate above it diverges at once (NaN/Inf after the progress lines)
LossFn = Callable[[nn.Module, Tensor, Tensor], Tensor]


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with the global torch RNG seeded, restoring its previous state afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def cross_entropy(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """The default objective."""
    return F.cross_entropy(model(x), y)


@dataclass
class TrainHistory:
    """Mean training loss per epoch and the number of samples seen."""

    epoch_losses: list[float]
    samples_seen: int


def recipe_steps(n: int) -> int:
    """Optimisation steps of the project's recipe on ``n`` samples: what ``Trainer(steps=...)``
    (``train --steps``) holds when a set cleaned of some samples is retrained, so that removing
    samples does not also cut the training (with fixed epochs a set cleaned of a fifth of its
    samples trains a fifth fewer steps)."""
    return TRAINING["epochs"] * math.ceil(n / TRAINING["batch_size"])


class Trainer(ParamsMixin):
    """Mini-batch training with callbacks; the defaults are the project's one recipe
    (:data:`trojanscope.defaults.TRAINING`), the same as the CLI's.

    Arguments:
        epochs: passes over the data.
        batch_size: samples per step.
        lr: learning rate, in (0, 10] (:data:`MAX_LR`).
        optimizer: ``adam`` or ``sgd`` (momentum 0.9, Nesterov).
        weight_decay: L2 penalty.
        schedule: ``cosine`` (annealed to 0 over training) or ``constant``.
        seed: seeds shuffling and any randomness inside the model.
        steps: total optimisation steps, held whatever the data's size (the epochs then
            follow, the last one cut short); ``None``: ``epochs`` passes over the data. A set
            cleaned of a fifth of its samples trains 20% fewer steps with fixed epochs, and
            its clean accuracy drops for that alone.
    """

    def __init__(
        self,
        epochs: int = TRAINING["epochs"],
        batch_size: int = TRAINING["batch_size"],
        lr: float = TRAINING["lr"],
        optimizer: str = TRAINING["optimizer"],
        weight_decay: float = 0.0,
        schedule: str = "cosine",
        seed: int = 0,
        steps: int | None = None,
    ) -> None:
        if int(epochs) < 1:
            raise UserInputError(f"epochs must be >= 1, got {epochs}")
        if int(batch_size) < 1:
            raise UserInputError(f"batch size must be >= 1, got {batch_size}")
        if not 0 < float(lr) <= MAX_LR:  # NaN fails both comparisons
            raise UserInputError(f"learning rate must be a number > 0 and <= {MAX_LR:g}, got {lr}")
        if optimizer not in OPTIMIZERS:
            raise UserInputError(f"unknown optimizer {optimizer!r}; valid: {', '.join(OPTIMIZERS)}")
        if schedule not in ("cosine", "constant"):
            raise UserInputError(f"unknown schedule {schedule!r}; valid: cosine, constant")
        if steps is not None and int(steps) < 1:
            raise UserInputError(f"steps must be >= 1, got {steps}")
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.lr = float(lr)
        self.optimizer = optimizer
        self.weight_decay = float(weight_decay)
        self.schedule = schedule
        self.seed = int(seed)
        self.steps = None if steps is None else int(steps)

    def make_optimizer(
        self, params: Sequence[nn.Parameter] | Iterator[nn.Parameter]
    ) -> torch.optim.Optimizer:
        if self.optimizer == "adam":
            return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        return torch.optim.SGD(
            params, lr=self.lr, momentum=0.9, nesterov=True, weight_decay=self.weight_decay
        )

    def fit(
        self,
        model: nn.Module,
        data: BatchDataset,
        *,
        callbacks: Sequence[Callback] = (),
        loss_fn: LossFn = cross_entropy,
        params: Sequence[nn.Parameter] | None = None,
    ) -> TrainHistory:
        """Train ``model`` in place on ``data``; ``params`` restricts which parameters move."""
        n = len(data)
        if n == 0:
            raise UserInputError("cannot train on an empty dataset")
        steps = math.ceil(n / self.batch_size)
        n_steps = self.steps if self.steps is not None else self.epochs * steps
        epochs = math.ceil(n_steps / steps)
        opt = self.make_optimizer(params if params is not None else model.parameters())
        sched = (
            torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n_steps)
            if self.schedule == "cosine"
            else None
        )
        state = TrainState(model=model, epochs=epochs, steps_per_epoch=steps, total_steps=n_steps,
                           samples=n)
        shuffle = torch.Generator().manual_seed(self.seed)
        seen = 0
        with seeded(self.seed):
            model.train()
            for cb in callbacks:
                cb.on_train_start(state)
            for epoch in range(epochs):
                state.epoch = epoch
                for cb in callbacks:
                    cb.on_epoch_start(state)
                order = torch.randperm(n, generator=shuffle)
                total = 0.0
                for step in range(min(steps, n_steps - epoch * steps)):
                    state.step = step
                    state.x, state.y = data.get_batch(
                        order[step * self.batch_size : (step + 1) * self.batch_size]
                    )
                    for cb in callbacks:
                        cb.on_batch_start(state)
                    loss = loss_fn(model, state.x, state.y)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    if sched is not None:
                        sched.step()
                    state.loss = float(loss.detach())
                    total += state.loss * len(state.y)
                    seen += len(state.y)
                    for cb in callbacks:
                        cb.on_batch_end(state)
                    if state.stop:
                        break
                cut = (n_steps - epoch * steps) * self.batch_size  # the last epoch may be cut
                state.epoch_losses.append(total / min(n, cut))
                for cb in callbacks:
                    cb.on_epoch_end(state)
                if state.stop:
                    break
            model.eval()
            for cb in callbacks:
                cb.on_train_end(state)
        state.x = state.y = None
        return TrainHistory(state.epoch_losses, seen)
