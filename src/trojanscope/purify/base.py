"""The input-purifier contract: a pure function of a batch of images (and, for methods that
look at the model, the model), with its parameters in ``__init__``.

A purifier never sees the attacker's trigger and never mutates its input; the result has the
input's shape and stays in [0, 1]. Randomness (ShrinkPad's offsets) comes from the caller's
``generator``, so the same seed gives the same output.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin
from trojanscope.plain_numbers import whole


class InputPurifier(ParamsMixin, ABC):
    """Base class: parameters in ``__init__``, the work in :meth:`purify`.

    ``needs_model``: the method looks at the model (gradients, predictions) to decide what to
    change; the others are fixed transforms of the input alone. ``needs_clean_data``: the method
    learns from clean inputs (:meth:`fit`) before it can purify.
    """

    name: str = ""
    needs_model: bool = False
    needs_clean_data: bool = False  # True: fit() on clean inputs before apply()
    fitted: bool = False

    def fit(self, clean_x: Tensor, *, generator: torch.Generator | None = None) -> None:
        """Learn from clean inputs (N×C×H×W in [0, 1]); only methods that set
        ``needs_clean_data`` learn anything."""
        if clean_x.ndim != 4 or len(clean_x) == 0:
            raise UserInputError(f"input purifier {self.name!r} learns from clean images "
                                 f"N×C×H×W, got shape {list(clean_x.shape)}")
        self._fit(clean_x.detach().clone(), generator)
        self.fitted = True

    def _fit(self, clean_x: Tensor, generator: torch.Generator | None) -> None:
        """Method-specific learning (nothing for fixed transforms)."""

    def apply(self, x: Tensor, *, model: nn.Module | None = None,
              generator: torch.Generator | None = None) -> Tensor:
        """Purified copy of the N×C×H×W batch ``x`` (values in [0, 1])."""
        if x.ndim != 4:
            raise UserInputError(f"input purifier {self.name!r} takes images N×C×H×W, got "
                                 f"shape {list(x.shape)}")
        if self.needs_model and model is None:
            raise UserInputError(f"input purifier {self.name!r} needs the model")
        if self.needs_clean_data and not self.fitted:
            raise UserInputError(f"input purifier {self.name!r} learns from clean inputs: "
                                 "fit it first (--data)")
        if len(x) == 0:
            return x.clone()
        out = self.purify(x.detach().clone(), model, generator)
        return out.clamp(0.0, 1.0).to(x.dtype)

    @abstractmethod
    def purify(self, x: Tensor, model: nn.Module | None,
               generator: torch.Generator | None) -> Tensor:
        """Purify ``x`` (a private copy: it may be changed in place) and return it."""


def check_positive_int(name: str, value: int, low: int = 1) -> None:
    """A clear error for an integer parameter below ``low``."""
    if not whole(value, low):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
