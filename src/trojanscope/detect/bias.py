"""A model's own favourite class, estimated without any trigger (issue 9).

Clean models with BatchNorm, and some MLPs, have one class that almost anything reaches: random
noise lands there, and every probe (MM-BD, the universal perturbation, the striped one) finds it
easy. Agreement between two probes on *that* class says little about a backdoor, so ``auto``
discounts it. The estimate is the class most uniform-noise inputs (drawn in the clean data's
value range) are given — forward passes only, no optimisation. The calibration rows
(``benchmarks/generalise_rows.py``) read the same shares through :func:`noise_shares`.
"""

from __future__ import annotations

import torch
from torch import Tensor

NOISE_SAMPLES = 512
BATCH = 128  # forward passes in chunks: large inputs stay within memory


def noise_shares(
    model: torch.nn.Module,
    input_shape: tuple[int, ...],
    num_classes: int,
    generator: torch.Generator,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> Tensor:
    """The share of uniform-noise inputs in ``value_range`` the model gives each class."""
    lo, hi = value_range
    noise = torch.rand(NOISE_SAMPLES, *input_shape, generator=generator) * (hi - lo) + lo
    with torch.no_grad():
        pred = torch.cat([model(chunk).argmax(1) for chunk in noise.split(BATCH)])
    return torch.bincount(pred, minlength=num_classes).double() / NOISE_SAMPLES


def noise_bias(
    model: torch.nn.Module,
    input_shape: tuple[int, ...],
    num_classes: int,
    generator: torch.Generator,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> tuple[int, float]:
    """The class uniform noise in ``value_range`` is given most often, and its share."""
    share = noise_shares(model, input_shape, num_classes, generator, value_range)
    cls = int(share.argmax())  # first class on ties
    return cls, float(share[cls])
