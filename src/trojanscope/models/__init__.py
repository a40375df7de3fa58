"""Built-in architectures and the architecture registry (``create_model``, ``list_models``)."""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.models.resnet import PreActResNet18
from trojanscope.models.small import MLP, LeNet5, SmallCNN


def create_model(
    name: str, input_shape: tuple[int, ...], num_classes: int, **kwargs: Any
) -> nn.Module:
    """Build architecture ``name`` for inputs of ``input_shape`` and ``num_classes`` outputs."""
    try:
        return registry.create(
            "arch", name, input_shape=tuple(input_shape), num_classes=num_classes, **kwargs
        )
    except RuntimeError as exc:  # e.g. an input too small for the architecture's pooling
        raise UserInputError(
            f"architecture {name!r} cannot take inputs of shape {tuple(input_shape)}: {exc}"
        ) from None


def list_models(pattern: str = "*") -> list[str]:
    """Registered architecture names matching a glob ``pattern``."""
    return registry.names("arch", pattern)


__all__ = ["MLP", "LeNet5", "PreActResNet18", "SmallCNN", "create_model", "list_models"]
