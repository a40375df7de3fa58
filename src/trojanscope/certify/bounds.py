"""Interval bound propagation (IBP) through small feed-forward models.

Given elementwise input bounds ``lower <= x <= upper``, propagates sound bounds through each
layer (affine layers by centre/radius, monotone activations and pooling elementwise) and, at the
last linear layer, bounds the *margins* ``logit[p] - logit[c]`` directly (tighter than
subtracting separate logit bounds). Supported: the built-in ``cnn`` and ``mlp`` architectures
and ``nn.Sequential`` chains of Linear, Conv2d, ReLU, LeakyReLU, Tanh, Sigmoid, Max/AvgPool2d,
Flatten, Identity, eval-mode BatchNorm2d and the models' ``Normalize``. Anything else is a clear
error rather than an unsound answer.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.errors import UserInputError

Layer = Callable[[Tensor], Tensor] | nn.Module


class _Affine(nn.Module):
    """``x * scale + shift`` (the MLP's input mapping)."""

    def __init__(self, scale: float, shift: float) -> None:
        super().__init__()
        self.scale, self.shift = scale, shift

    def forward(self, x: Tensor) -> Tensor:
        return x * self.scale + self.shift


def layers_of(model: nn.Module) -> list[nn.Module]:
    """The model as a flat list of layers, or a UserInputError for unsupported models."""
    from trojanscope.models.small import MLP, SmallCNN

    if isinstance(model, SmallCNN):
        seq = [model.normalize, *model.features, *model.classifier]
    elif isinstance(model, MLP):
        seq = [_Affine(2.0, -1.0), *model.net]
    elif isinstance(model, nn.Sequential):
        seq = list(model)
    else:
        raise UserInputError(
            f"bound propagation supports the cnn and mlp architectures and nn.Sequential "
            f"models, not {type(model).__name__}"
        )
    flat: list[nn.Module] = []
    for layer in seq:
        flat.extend(layer if isinstance(layer, nn.Sequential) else [layer])
    for layer in flat:
        _check(layer)
    if not flat or not isinstance(flat[-1], nn.Linear):
        raise UserInputError("bound propagation needs a model that ends in a linear layer")
    return flat


_MONOTONE = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.MaxPool2d, nn.AvgPool2d,
             nn.Flatten, nn.Identity)


def _check(layer: nn.Module) -> None:
    from trojanscope.models.common import Normalize

    if isinstance(layer, (*_MONOTONE, nn.Linear, nn.Conv2d, _Affine, Normalize)):
        return
    if isinstance(layer, nn.BatchNorm2d) and not layer.training:
        return
    raise UserInputError(f"bound propagation does not support layer {type(layer).__name__}")


def _affine_bounds(layer: nn.Module, lo: Tensor, hi: Tensor) -> tuple[Tensor, Tensor]:
    """Bounds through an affine layer f(x) = A x + b: centre f(mid), radius |A| rad."""
    mid, rad = (hi + lo) / 2, (hi - lo) / 2
    if isinstance(layer, nn.Linear):
        centre = layer(mid)
        radius = F.linear(rad, layer.weight.abs())
    elif isinstance(layer, nn.Conv2d):
        centre = layer(mid)
        radius = F.conv2d(rad, layer.weight.abs(), None, layer.stride, layer.padding,
                          layer.dilation, layer.groups)
    else:  # elementwise affine: Normalize, BatchNorm (eval), _Affine
        centre = layer(mid)
        radius = (layer(mid + rad) - centre).abs()
    return centre - radius, centre + radius


@torch.no_grad()
def interval_bounds(layers: list[nn.Module], lower: Tensor, upper: Tensor) -> tuple[Tensor, Tensor]:
    """Bounds of the input to the last layer (the penultimate features), batched."""
    lo, hi = lower, upper
    for layer in layers[:-1]:
        if isinstance(layer, _MONOTONE):
            lo, hi = layer(lo), layer(hi)
        else:
            lo, hi = _affine_bounds(layer, lo, hi)
    return lo, hi


@torch.no_grad()
def margin_lower_bounds(
    layers: list[nn.Module], lower: Tensor, upper: Tensor, label: int
) -> Tensor:
    """Lower bounds of ``logit[label] - logit[c]`` for every class c (the label's own is +inf),
    over all inputs in the box, for each box of the batch: shape (B, num_classes)."""
    lo, hi = interval_bounds(layers, lower, upper)
    last = layers[-1]
    diff_w = last.weight[label][None, :] - last.weight  # (C, F)
    diff_b = last.bias[label] - last.bias if last.bias is not None else 0.0
    mid, rad = (hi + lo) / 2, (hi - lo) / 2
    bound = mid @ diff_w.T - rad @ diff_w.abs().T + diff_b
    bound[:, label] = float("inf")
    return bound
