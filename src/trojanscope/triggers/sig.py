"""SIG trigger: a horizontal sinusoidal signal added to the image (Barni et al., 2019)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, check_fraction, require_images


@register("trigger", "sig")
class SIGTrigger(Trigger):
    """SIG: a horizontal signal added to every row, clipped to [0, 1].

    ``sine``: ``delta · sin(2π · col · frequency / W)`` (the paper's choice for GTSRB);
    ``ramp``: ``delta · col / (W - 1)`` (the paper's choice for MNIST).

    Arguments:
        delta: amplitude of the signal, in (0, 1].
        frequency: periods across the image width (``sine`` only).
        shape: ``sine`` or ``ramp``.
    """

    name = "sig"

    def __init__(self, delta: float = 0.1, frequency: float = 6.0, shape: str = "sine") -> None:
        self.delta = check_fraction(delta, "sig delta", low_open=True)
        if float(frequency) <= 0:
            raise UserInputError(f"sig frequency must be > 0, got {frequency}")
        if shape not in ("sine", "ramp"):
            raise UserInputError(f"unknown sig shape {shape!r}; valid: sine, ramp")
        self.frequency = float(frequency)
        self.shape = shape

    def signal(self, height: int, width: int) -> Tensor:
        """The H×W additive signal."""
        cols = torch.arange(width, dtype=torch.float32)
        if self.shape == "ramp":
            row = self.delta * cols / max(width - 1, 1)
        else:
            row = self.delta * torch.sin(2 * math.pi * cols * self.frequency / width)
        return row.expand(height, width)

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        return (x + self.signal(x.shape[2], x.shape[3]).to(x)).clamp(0.0, 1.0)
