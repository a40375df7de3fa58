"""The representation every data-level detector reads: penultimate-layer features (and logits)
of a model trained on the suspect data itself (the default) or of a model the user gives.

Without a model, one is trained through the one engine with the project's recipe, only
shorter (:data:`FEATURE_EPOCHS`, chosen by measurement in ``benchmarks/bench_detect_data.py``):
a backdoor is learnt within the first epochs, long before the clean task converges.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import BatchDataset
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.modes import eval_mode
from trojanscope.engine.train import Trainer, seeded
from trojanscope.errors import UserInputError

FEATURE_EPOCHS = 3
EARLY_EPOCHS = 1  # the early representation is snapshotted after this many epochs


@dataclass
class Features:
    """Per-sample features and logits, with the labels as the data give them.

    ``features`` feed the model's last linear layer (the penultimate representation);
    ``early`` feed its first linear layer (the flattened convolutional features of the small
    CNN) as they were after :data:`EARLY_EPOCHS` of training, when the model has learnt what
    the classes look like but a backdoor is often not yet learnt (for a given model: its own).
    """

    features: Tensor
    logits: Tensor
    labels: Tensor
    num_classes: int
    early: Tensor | None = None
    model: nn.Module | None = None
    info: dict[str, Any] = field(default_factory=dict)
    table: Any = None  # tabular data: (encoded rows, schema) for the table methods
    texts: tuple[str, ...] | None = None  # text data: the sentences, for the text methods
    data: Any = None  # the samples themselves, for methods that train further (confusion)
    late: Tensor | None = None  # the trained model's first-linear-layer inputs (its head's)

    def __len__(self) -> int:
        return len(self.labels)


@torch.no_grad()
def penultimate_features(model: nn.Module, data: BatchDataset, batch_size: int = 1024) -> Tensor:
    """Inputs of the model's last linear layer for every sample (eval mode)."""
    return _forward(model, data, batch_size)[1]


@torch.no_grad()
def _forward(
    model: nn.Module, data: BatchDataset, batch_size: int = 1024
) -> tuple[Tensor, Tensor, Tensor]:
    """Inputs of the first and of the last linear layer, and the logits, for every sample."""
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linear:
        raise UserInputError("data-level detection needs a model with a final linear layer")
    first: list[Tensor] = []
    last: list[Tensor] = []
    hooks = [
        linear[0].register_forward_hook(lambda _m, inp, _out: first.append(inp[0].detach())),
        linear[-1].register_forward_hook(lambda _m, inp, _out: last.append(inp[0].detach())),
    ]
    logits: list[Tensor] = []
    try:
        with eval_mode(model):
            for start in range(0, len(data), batch_size):
                x, _ = data.get_batch(torch.arange(start, min(start + batch_size, len(data))))
                logits.append(model(x).detach())
    finally:
        for h in hooks:
            h.remove()
    return (torch.cat(first).flatten(1).float(), torch.cat(last).flatten(1).float(),
            torch.cat(logits).flatten(1).float())


class _Snapshot(Callback):
    """Records the first-linear-layer features at the end of epoch ``after``."""

    def __init__(self, data: BatchDataset, after: int) -> None:
        self.data, self.after, self.early = data, after, None

    def on_epoch_end(self, state: TrainState) -> None:
        if state.epoch + 1 == self.after:
            self.early = _forward(state.model, self.data)[0]


def default_arch(data: BatchDataset) -> str:
    """The built-in architecture for a feature model: the small CNN for images, else the MLP."""
    return "cnn" if len(data.input_shape) == 3 and min(data.input_shape[1:]) >= 4 else "mlp"


def train_features(
    data: BatchDataset, *, seed: int = 0, epochs: int = FEATURE_EPOCHS, arch: str | None = None,
    arch_args: dict[str, Any] | None = None,
) -> Features:
    """Train a feature model on ``data`` with the engine and return its features."""
    from trojanscope.models import create_model

    arch = arch or default_arch(data)
    t0 = time.perf_counter()
    with seeded(seed):
        model = create_model(arch, data.input_shape, data.num_classes, **(arch_args or {}))
    snapshot = _Snapshot(data, min(EARLY_EPOCHS, epochs))
    Trainer(epochs=epochs, seed=seed).fit(model, data, callbacks=[snapshot])
    late, feats, logits = _forward(model, data)
    info = {"source": "trained", "arch": arch, "epochs": epochs,
            "train_s": round(time.perf_counter() - t0, 3)}
    return Features(feats, logits, data.labels.clone(), data.num_classes, snapshot.early,
                    model, info, late=late)


def model_features(model: nn.Module, data: BatchDataset, source: str = "given") -> Features:
    """Features of a given model on ``data``; refuses a model whose input shape or classes do
    not fit the data (one clear error, before any long work)."""
    probe, _ = data.get_batch(torch.arange(min(2, len(data))))
    try:
        with torch.no_grad():
            out = model.eval()(probe)
    except Exception as exc:
        raise UserInputError(
            f"{source}: the model does not accept inputs of shape "
            f"{tuple(data.input_shape)} ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
        ) from None
    n_out = int(out.flatten(1).shape[1])
    top = int(data.labels.max())
    if top >= n_out:
        raise UserInputError(
            f"{source}: the data have label {top} but the model has {n_out} classes"
        )
    t0 = time.perf_counter()
    early, feats, logits = _forward(model, data)
    info = {"source": source, "extract_s": round(time.perf_counter() - t0, 3)}
    return Features(feats, logits, data.labels.clone(), max(n_out, data.num_classes), early,
                    model, info)
