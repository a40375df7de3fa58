"""A validation guard for fine-tuning mitigations: keep the clean accuracy within a budget.

Part of the method's clean samples is held back; after each epoch the model's accuracy on them
(and on copies shifted by a pixel, a smoother estimate than a few dozen images give) is compared
with the original model's minus a budget, and training that ends below it goes back to the last
epoch within it. A method sees only its own samples, so this costs it a share of them.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset, stratified_split
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.metrics import accuracy
from trojanscope.errors import UserInputError
from trojanscope.io.script_graph import CONV_MODULE

CONV_OPS = frozenset({"Conv", "ConvTranspose", "QLinearConv", "ConvInteger"})  # ONNX nodes


def convolutional(model: nn.Module) -> bool:
    """Whether ``model`` has a convolution: any ``nn.Conv*`` module (1-, 2- or 3-D), a
    quantized or TorchScript one (by its class or recorded name), or an ONNX graph run
    unlifted with a ``Conv`` node."""
    for m in model.modules():
        if isinstance(m, nn.modules.conv._ConvNd):
            return True
        name = getattr(m, "original_name", "") or type(m).__name__
        if CONV_MODULE.fullmatch(name):  # ConvTranspose2d, quantized ConvReLU2d, ...
            return True
        if CONV_OPS.intersection(getattr(m, "ops", ())):
            return True
    return False


def shifted(val: TensorDataset, shift: int, model: nn.Module | None = None,
            ) -> tuple[Tensor, Tensor]:
    """The validation samples and copies moved by ``shift`` pixels in four directions: a
    smoother accuracy estimate than a few dozen images give (for the guard only). Only for a
    convolutional ``model``: a dense network is not shift-invariant, so shifted copies would
    measure something other than its accuracy (they let runs that lost 5-7 points through)."""
    if shift <= 0 or val.x.dim() != 4 or (model is not None and not convolutional(model)):
        return val.x, val.y
    xs = [val.x] + [torch.roll(val.x, s, dims=d) for d in (2, 3) for s in (shift, -shift)]
    return torch.cat(xs), val.y.repeat(len(xs))


class Guard(Callback):
    """Validation accuracy after each epoch against ``floor``: the last epoch at or above it is
    kept, and if training ends below it the model goes back to that epoch (a first epoch may
    dip and recover, so a dip alone does not end training); with no such epoch it goes back to
    ``fallback`` (default: the weights training started from)."""

    def __init__(self, x: Tensor, y: Tensor, floor: float,
                 fallback: dict[str, Tensor] | None = None) -> None:
        self.x, self.y, self.floor = x, y, floor
        self.fallback = fallback
        self.good: dict[str, Tensor] | None = None
        self.ok = True
        self.tripped = False

    def on_train_start(self, state: TrainState) -> None:
        self.good = self.fallback or copy.deepcopy(state.model.state_dict())

    def on_epoch_end(self, state: TrainState) -> None:
        self.ok = accuracy(state.model, self.x, self.y) >= self.floor
        if self.ok:
            self.good = copy.deepcopy(state.model.state_dict())

    def on_train_end(self, state: TrainState) -> None:
        if not self.ok:
            assert self.good is not None
            state.model.load_state_dict(self.good)
            self.tripped = True


class LateGuard(Guard):
    """:class:`Guard`'s decision, read once training ends: each epoch's weights are kept, the
    accuracy is read on the last epoch's and, only where that is below the floor, on the ones
    before it, last first. The same weights come back as under :class:`Guard` (the last epoch
    at or above the floor, else ``fallback`` or the start), for one reading instead of one per
    epoch where training ends above the floor (``gated``'s ``conv_lean``, issue 12 stop 71)."""

    def on_train_start(self, state: TrainState) -> None:
        super().on_train_start(state)
        self.kept: list[dict[str, Tensor]] = []
        self.reads = 0

    def on_epoch_end(self, state: TrainState) -> None:
        self.kept.append(copy.deepcopy(state.model.state_dict()))

    def on_train_end(self, state: TrainState) -> None:
        for i in range(len(self.kept) - 1, -1, -1):
            if i < len(self.kept) - 1:  # the model holds the last epoch's weights already
                state.model.load_state_dict(self.kept[i])
            self.reads += 1
            if accuracy(state.model, self.x, self.y) >= self.floor:
                self.ok = i == len(self.kept) - 1
                self.tripped = not self.ok
                return
        if self.kept:  # no epoch at or above the floor: where Guard goes back to
            assert self.good is not None
            state.model.load_state_dict(self.good)
            self.ok, self.tripped = False, True


def hold_back(model: nn.Module, clean: TensorDataset, val_fraction: float, seed: int,
              ) -> tuple[TensorDataset, TensorDataset, Tensor, Tensor]:
    """(samples to train on, held-back samples, and the guard's inputs and labels: the held-back
    samples with their one-pixel shifts for a convolutional ``model``), split per class."""
    fit_idx, val_idx = stratified_split(clean.y.numpy(), val_fraction, seed)
    if len(val_idx) == 0 or len(fit_idx) == 0:
        raise UserInputError(f"val_fraction {val_fraction} of {len(clean)} clean samples leaves "
                             "no validation or no training sample; give more clean samples or "
                             "another val_fraction")
    val = clean.subset(val_idx)
    gx, gy = shifted(val, 1, model)
    return clean.subset(fit_idx), val, gx, gy


def guarded(model: nn.Module, clean: TensorDataset, val_fraction: float, budget: float,
            seed: int, fallback: dict[str, Tensor] | None = None,
            ) -> tuple[TensorDataset, Guard | None]:
    """(the samples to train on, a :class:`Guard` on the rest with floor = the original's
    validation accuracy minus ``budget``); ``val_fraction`` 0: all samples, no guard."""
    if val_fraction <= 0:
        return clean, None
    fit, _, gx, gy = hold_back(model, clean, val_fraction, seed)
    return fit, Guard(gx, gy, accuracy(model, gx, gy) - budget, fallback)
