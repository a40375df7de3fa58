"""The mitigation contract and the layer helpers that pruning-style methods share.

A method never sees the attacker's trigger or poison indices: only the suspect model and, when
it needs them, a few clean samples. :meth:`Mitigation.apply` works on a copy, so the caller's
model is left as it was.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.callbacks import Callback, TrainState
from trojanscope.engine.metrics import accuracy
from trojanscope.engine.train import Trainer
from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin

Layer = tuple[str, nn.Module]


class Mitigation(ParamsMixin, ABC):
    """Base class: parameters in ``__init__``, the work in :meth:`purify` (on a copy).

    ``needs_data``: the method trains or measures on clean samples (``False``: data-free).
    ``min_samples``: fewer clean samples than this is refused with a clear error.
    """

    name: str = ""
    needs_data: bool = True
    min_samples: int = 50

    def apply(self, model: nn.Module, clean: TensorDataset | None, *, seed: int = 0) -> nn.Module:
        """A purified copy of ``model``; ``clean`` is the method's own clean data (or ``None``)."""
        if self.needs_data:
            if clean is None:
                raise UserInputError(
                    f"mitigation {self.name!r} needs clean data; give --data, or use "
                    "--data-free (method clp)"
                )
            if len(clean) < self.min_samples:
                raise UserInputError(
                    f"mitigation {self.name!r} needs at least {self.min_samples} clean samples "
                    f"to train on, got {len(clean)}"
                )
        purified = copy.deepcopy(model)
        for p in purified.parameters():
            p.requires_grad_(True)
        purified = self.purify(purified, clean if self.needs_data else None, seed)
        return purified.eval()

    def offer_held(self, held: TensorDataset | None) -> None:
        """Take the clean samples ``mitigate`` holds out for the figures, offered before
        :meth:`apply`. A method reads none of them (this default: the figures stay on samples it
        never saw); ``gated`` keeps them for its ``read_least`` (its detector's reading only,
        :mod:`~trojanscope.mitigate.read_least`)."""

    @abstractmethod
    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        """Purify ``model`` (already a private copy: change it in place) and return it."""


def hidden_layers(model: nn.Module) -> list[Layer]:
    """The convolutions and hidden linear layers, in order; the output layer is left out
    (its units are the classes, not features a backdoor hides in)."""
    layers = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    if layers and isinstance(layers[-1][1], nn.Linear):
        layers = layers[:-1]
    if not layers:
        raise UserInputError(
            "this method needs a model with convolution or linear layers it can name "
            "(a trojanscope run folder); the loaded model exposes none"
        )
    return layers


def last_feature_layer(model: nn.Module) -> Layer:
    """The last convolution (or, in a model without any, the last hidden linear layer)."""
    layers = hidden_layers(model)
    convs = [pair for pair in layers if isinstance(pair[1], nn.Conv2d)]
    return (convs or layers)[-1]


def following_norm(model: nn.Module, name: str) -> nn.Module | None:
    """The BatchNorm right after layer ``name`` in its Sequential, if there is one."""
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    if not isinstance(parent, nn.Sequential) or not child.isdigit():
        return None
    nxt = int(child) + 1
    if nxt < len(parent) and isinstance(parent[nxt], nn.BatchNorm1d | nn.BatchNorm2d):
        return parent[nxt]
    return None


@torch.no_grad()
def zero_channels(model: nn.Module, name: str, channels: Tensor | list[int]) -> None:
    """Prune output ``channels`` of layer ``name``: their weights, bias and following
    BatchNorm's affine parameters become zero, so the channel carries nothing."""
    idx = torch.as_tensor(channels, dtype=torch.long)
    if idx.numel() == 0:
        return
    layer = model.get_submodule(name)
    layer.weight[idx] = 0
    if layer.bias is not None:
        layer.bias[idx] = 0
    norm = following_norm(model, name)
    if norm is not None and norm.affine:
        norm.weight[idx] = 0
        norm.bias[idx] = 0


def channel_pruned(model: nn.Module, name: str) -> Tensor:
    """Indices of the output channels of ``name`` whose weights are all zero."""
    w = model.get_submodule(name).weight.detach()
    return torch.nonzero(w.flatten(1).abs().sum(1) == 0).flatten()


class KeepPruned(Callback):
    """Engine callback: after each step, pruned channels are zeroed again (fine-tuning must not
    revive them)."""

    def __init__(self, pruned: dict[str, Tensor]) -> None:
        self.pruned = pruned

    def on_batch_end(self, state: TrainState) -> None:
        for name, idx in self.pruned.items():
            zero_channels(state.model, name, idx)


@contextmanager
def scaled_outputs(model: nn.Module, scales: dict[str, Tensor]) -> Iterator[None]:
    """Within the block, multiply each named layer's output channels by ``scales[name]``
    (a callable's current value is read at every forward, so training can change it)."""
    handles = []

    def hook_for(name: str):
        def hook(_module: nn.Module, _inp: object, out: Tensor) -> Tensor:
            s = scales[name]
            s = s() if callable(s) else s
            return out * s.view(1, -1, *([1] * (out.dim() - 2)))

        return hook

    for name in scales:
        handles.append(model.get_submodule(name).register_forward_hook(hook_for(name)))
    try:
        yield
    finally:
        for h in handles:
            h.remove()


@contextmanager
def recorded_outputs(model: nn.Module, names: list[str]) -> Iterator[dict[str, Tensor]]:
    """Within the block, ``record[name]`` holds the last output of each named layer."""
    record: dict[str, Tensor] = {}
    handles = [
        model.get_submodule(n).register_forward_hook(
            lambda _m, _i, out, n=n: record.__setitem__(n, out)
        )
        for n in names
    ]
    try:
        yield record
    finally:
        for h in handles:
            h.remove()


def frozen_copy(model: nn.Module) -> nn.Module:
    """An eval-mode copy of ``model`` whose parameters take no gradient (a reference)."""
    ref = copy.deepcopy(model).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    return ref


def same_state(now: dict[str, torch.Tensor], came: dict[str, torch.Tensor]) -> bool:
    """Whether two state dicts hold the same tensors (a model handed back as it came)."""
    return now.keys() == came.keys() and all(torch.equal(now[k], came[k]) for k in came)


def with_state(model: nn.Module, state: dict) -> nn.Module:
    """An eval-mode copy of ``model`` carrying ``state`` (e.g. the input model's weights kept
    before a run changed them in place)."""
    ref = copy.deepcopy(model)
    ref.load_state_dict(state)
    return ref.eval()


def distillation(logits: Tensor, teacher: nn.Module, x: Tensor, temperature: float = 1.0,
                 classes: list[int] | None = None) -> Tensor:
    """KL divergence of ``logits`` from ``teacher``'s softened outputs on ``x`` (scaled by the
    squared temperature): keeps a purified model's clean function where the original had it.
    ``classes``: only these outputs, both sides renormalised over them (default: all)."""
    with torch.no_grad():
        out = teacher(x)
        if classes is not None:
            out = out[:, classes]
        soft = torch.softmax(out / temperature, dim=1)
    if classes is not None:
        logits = logits[:, classes]
    kl = torch.nn.functional.kl_div(torch.log_softmax(logits / temperature, dim=1), soft,
                                    reduction="batchmean")
    return kl * temperature * temperature


def clean_accuracy(model: nn.Module, clean: TensorDataset) -> float:
    """Accuracy on all of ``clean``."""
    return accuracy(model, clean.x, clean.y)


def fine_tune(
    model: nn.Module,
    clean: TensorDataset,
    *,
    epochs: int,
    lr: float,
    seed: int,
    batch_size: int = 32,
    callbacks: list[Callback] | None = None,
    loss_fn=None,
    params: list[nn.Parameter] | None = None,
) -> None:
    """Train ``model`` in place on ``clean`` through the one engine (Adam, cosine schedule)."""
    trainer = Trainer(epochs=epochs, batch_size=batch_size, lr=lr, optimizer="adam", seed=seed)
    kwargs = {} if loss_fn is None else {"loss_fn": loss_fn}
    trainer.fit(model, clean, callbacks=callbacks or [], params=params, **kwargs)
