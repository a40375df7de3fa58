"""The trigger interface: a pure, batched transformation of inputs.

A trigger never mutates its input and is deterministic: any randomness it needs (a noise
pattern, a warping field) comes from its own ``seed`` parameter, or from the ``generator`` passed
to :meth:`Trigger.apply` for per-call randomness (WaNet's noise mode). Image triggers take
N×C×H×W float tensors in [0, 1] and return the same shape and range; text and tabular triggers
implement the same method over their own input types, so attacks never special-case modality.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin


class Trigger(ParamsMixin, ABC):
    """Base class: subclasses store their parameters in ``__init__`` and implement ``apply``."""

    name: str = "trigger"

    @abstractmethod
    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """Return a triggered copy of the batch ``x``."""

    def __call__(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        return self.apply(x, generator=generator)


def require_images(x: Tensor, trigger: str) -> None:
    """Image triggers accept only N×C×H×W floating-point batches."""
    if x.ndim != 4 or not torch.is_floating_point(x):
        raise UserInputError(
            f"trigger {trigger!r} expects a float N×C×H×W image batch, "
            f"got {x.dtype} {tuple(x.shape)}"
        )


def check_fraction(value: float, what: str, *, low_open: bool = False) -> float:
    """Validate a parameter that must lie in [0, 1] (or (0, 1])."""
    value = float(value)
    if not (0.0 < value <= 1.0 if low_open else 0.0 <= value <= 1.0):
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise UserInputError(f"{what} must lie in {interval}, got {value}")
    return value
