"""Two-class image models read against clean twins of the same pair (issue 9, stop 70): the
signed readings, the twins' excess and its score."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.two_class import (
    PAIR_PROBES,
    pair_readings,
    twin_architecture,
    twin_excess,
    twin_score,
)


def _pair_images(seed: int = 0) -> TensorDataset:
    """40 8x8 images of two classes: a lit left or right column, an empty border elsewhere."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(40, 1, 8, 8)
    y = torch.arange(40) % 2
    x[y == 0, :, 2:6, 2] = 1.0
    x[y == 1, :, 2:6, 5] = 1.0
    x += 0.05 * torch.rand(x.shape, generator=g) * (x > 0)
    return TensorDataset(x, y, ("a", "b"))


class _Corner(nn.Module):
    """Class 1 wherever the top-left pixel is lit (a planted trigger), else the columns."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = x[:, 0, 2:6, 5].sum(1) - x[:, 0, 2:6, 2].sum(1) + 20.0 * x[:, 0, 0, 0]
        return torch.stack([-cols, cols], 1)


def test_readings_are_signed_towards_class_one() -> None:
    clean = _pair_images()
    out = pair_readings(InspectionTarget(_Corner(), (1, 8, 8), 2, clean), seed=0, steps=3,
                        search=False)
    assert set(out) == set(PAIR_PROBES)
    assert out["pixel"] > 0.5 and out["frame"] > 0.5  # the lit corner sends class 0 to 1
    flipped = pair_readings(InspectionTarget(nn.Sequential(_Corner(), _Swap()), (1, 8, 8), 2,
                                             _swapped(clean)), seed=0, steps=3, search=False)
    assert flipped["pixel"] == pytest.approx(-out["pixel"])


class _Swap(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flip(1)


def _swapped(data: TensorDataset) -> TensorDataset:
    return TensorDataset(data.x, 1 - data.labels, data.class_names)


def test_the_twins_excess_and_score() -> None:
    twins = [{"empty": 0.3, "pixel": -0.1, "frame": 0.0}, {"empty": 0.4, "pixel": 0.0,
                                                             "frame": 0.1},
             {"empty": 0.5, "pixel": 0.1, "frame": 0.0}]
    excess = twin_excess({"empty": 0.4, "pixel": -0.6, "frame": 0.0}, twins)
    assert excess == pytest.approx({"empty": 0.0, "pixel": -0.6, "frame": 0.0})
    assert twin_score(excess, {"empty": 0.2, "pixel": 0.3, "frame": 0.2}) == (
        pytest.approx(2.0), 0)  # the pixel probe, towards class 0
    assert twin_score({"empty": 0.1}, {"empty": 0.2, "pixel": 0.3})[1] == 1
    assert twin_score(excess, {}) == (0.0, None)


def test_the_twins_architecture() -> None:
    dense = twin_architecture(True, {"activation:tanh"}, (1, 8, 8))
    assert not any(isinstance(m, nn.Conv2d) for m in dense.modules())
    assert any(isinstance(m, nn.Tanh) for m in dense.modules())
    conv = twin_architecture(False, set(), (1, 28, 28))
    assert any(isinstance(m, nn.Conv2d) for m in conv.modules())
    assert conv(torch.rand(2, 1, 28, 28)).shape == (2, 2)
