"""Pieces shared by the built-in architectures."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


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
