"""Small architectures for 28×28 (or any small) images and flat inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import Tensor, nn

from trojanscope.models.common import (
    ACTIVATIONS,
    NORMS,
    POOLS,
    Normalize,
    downsample,
    flat_features,
    norm_layers,
)
from trojanscope.models.common import (
    activation as make_activation,
)
from trojanscope.registry import register


@register("arch", "cnn")
class SmallCNN(nn.Module):
    """Two conv blocks (32, 64 channels) and a 128-unit head; ~0.4M parameters on MNIST.

    Arguments:
        width: channels of the first block (the second has twice as many).
        activation: ``relu``, ``leaky_relu``, ``gelu``, ``tanh`` or ``sigmoid``.
        pool: ``max``, ``avg`` or ``stride`` (a learnt stride-2 convolution).
        norm: ``none``, ``batch`` (BatchNorm) or ``layer`` (LayerNorm over C×H×W) after each conv.
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int] = (1, 28, 28),
        num_classes: int = 10,
        width: int = 32,
        activation: str = "relu",
        pool: str = "max",
        norm: str = "none",
    ) -> None:
        super().__init__()
        c = input_shape[0]
        self.normalize = Normalize(c)
        self.activation, self.pool, self.norm = activation, pool, norm
        self.features = nn.Sequential(
            nn.Conv2d(c, width, 3, padding=1),
            *norm_layers(norm, width),
            make_activation(activation),
            downsample(pool, width),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            *norm_layers(norm, 2 * width),
            make_activation(activation),
            downsample(pool, 2 * width),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(flat_features(self.features, input_shape), 128),
            make_activation(activation),
            nn.Linear(128, num_classes),
        )

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        """A random variant for model zoos: activation, pooling and normalisation."""
        return {
            "activation": ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))],
            "pool": POOLS[int(rng.integers(len(POOLS)))],
            "norm": NORMS[int(rng.integers(len(NORMS)))],
        }

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(self.normalize(x)))


@register("arch", "lenet5")
class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998), by default with ReLU and max pooling; 28×28 input, padded.

    ``activation="tanh", pool="avg"`` is the original's shape (without its sparse connections).
    """

    def __init__(
        self,
        input_shape: tuple[int, int, int] = (1, 28, 28),
        num_classes: int = 10,
        activation: str = "relu",
        pool: str = "max",
    ) -> None:
        super().__init__()
        c = input_shape[0]
        self.normalize = Normalize(c)
        self.activation, self.pool = activation, pool
        self.features = nn.Sequential(
            nn.Conv2d(c, 6, 5, padding=2),
            make_activation(activation),
            downsample(pool, 6),
            nn.Conv2d(6, 16, 5, padding=2 if min(input_shape[1:]) < 16 else 0),
            make_activation(activation),
            downsample(pool, 16),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(flat_features(self.features, input_shape), 120),
            make_activation(activation),
            nn.Linear(120, 84),
            make_activation(activation),
            nn.Linear(84, num_classes),
        )

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        """A random variant for model zoos: activation and pooling."""
        return {
            "activation": ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))],
            "pool": POOLS[int(rng.integers(len(POOLS)))],
        }

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(self.normalize(x)))


@register("arch", "mlp")
class MLP(nn.Module):
    """A multilayer perceptron over flattened inputs (images or tabular rows)."""

    def __init__(
        self,
        input_shape: tuple[int, ...] = (1, 28, 28),
        num_classes: int = 10,
        hidden: tuple[int, ...] = (256, 128),
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.hidden, self.activation = tuple(int(h) for h in hidden), activation
        size = 1
        for s in input_shape:
            size *= int(s)
        layers: list[nn.Module] = [nn.Flatten()]
        for h in hidden:
            layers += [nn.Linear(size, int(h)), make_activation(activation)]
            size = int(h)
        layers.append(nn.Linear(size, num_classes))
        self.net = nn.Sequential(*layers)

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        """A random variant for model zoos: activation and hidden widths."""
        widths = ((256, 128), (512,), (128, 64), (300, 100))
        return {
            "activation": ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))],
            "hidden": list(widths[int(rng.integers(len(widths)))]),
        }

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x * 2 - 1)
