"""Pieces shared by the built-in architectures."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from trojanscope.models.pooling import MaxPool2d


class Normalize(nn.Module):
    """``(x - mean) / std`` per channel: inputs stay in [0, 1] outside the model."""

    def __init__(
        self, channels: int, mean: float | Sequence[float] = 0.5, std: float | Sequence[float] = 0.5
    ) -> None:
        super().__init__()
        mean_t = torch.as_tensor(mean, dtype=torch.float32).reshape(-1)
        std_t = torch.as_tensor(std, dtype=torch.float32).reshape(-1)
        self.register_buffer("mean", mean_t.expand(channels).clone().reshape(1, channels, 1, 1))
        self.register_buffer("std", std_t.expand(channels).clone().reshape(1, channels, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std


def flat_features(body: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Number of features ``body`` produces for one input of ``input_shape``."""
    with torch.no_grad():
        return int(body(torch.zeros(1, *input_shape)).numel())


ACTIVATIONS = ("relu", "leaky_relu", "gelu", "tanh", "sigmoid")
POOLS = ("max", "avg", "stride")
NORMS = ("none", "batch", "layer")


def check_choice(value: str, valid: tuple[str, ...], what: str) -> str:
    """A named option of an architecture, or a clear error listing the valid ones."""
    from trojanscope.errors import UserInputError

    if value not in valid:
        raise UserInputError(f"unknown {what} {value!r}; valid: {', '.join(valid)}")
    return value


def activation(name: str) -> nn.Module:
    """The activation layer called ``name`` (one of :data:`ACTIVATIONS`)."""
    check_choice(name, ACTIVATIONS, "activation")
    return {
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(0.1),
        "gelu": nn.GELU,
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
    }[name]()


def downsample(kind: str, channels: int) -> nn.Module:
    """Halve the spatial size: max or average pooling, or a learnt stride-2 convolution."""
    check_choice(kind, POOLS, "pooling")
    if kind == "max":
        return MaxPool2d(2)  # nn.MaxPool2d, pooled in channels-last (models/pooling.py)
    if kind == "avg":
        return nn.AvgPool2d(2)
    return nn.Conv2d(channels, channels, 2, stride=2)


def norm_layers(kind: str, channels: int) -> list[nn.Module]:
    """Zero or one normalisation layer after a convolution (LayerNorm over C×H×W is a
    one-group GroupNorm, which needs no spatial size)."""
    check_choice(kind, NORMS, "normalisation")
    if kind == "batch":
        return [nn.BatchNorm2d(channels)]
    if kind == "layer":
        return [nn.GroupNorm(1, channels)]
    return []
