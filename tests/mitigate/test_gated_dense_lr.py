"""`gated`'s ``dense_lr``: the second stage's learning rate on a dense network (no 2-D
convolution) is scaled, and on a convolutional one left as it is. The stage itself is replaced
by one that records the learning rate it was given."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import SIDE, Striped, data, flagged, two_stages
from torch import nn

from trojanscope.mitigate import adaptive, gated


class Convolutional(Striped):
    """The striped model behind a 1×1 convolution that passes the image through."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)
        with torch.no_grad():
            self.conv.weight.fill_(1.0)
            self.conv.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(self.conv(x))


def stage_lr(monkeypatch, model: nn.Module, **params) -> float:
    """The ``rel_lr`` the second stage ran with on ``model``."""
    seen: list[float] = []

    def unlearn(self, model, *args, **kwargs):
        seen.append(self.rel_lr)
        return model

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, check=False, **params)
    method.apply(model.eval(), data())
    assert len(seen) == 1
    return seen[0]


def test_a_dense_network_gets_the_scaled_learning_rate(monkeypatch) -> None:
    default = adaptive.Adaptive().rel_lr
    assert stage_lr(monkeypatch, Striped()) == pytest.approx(default)
    assert stage_lr(monkeypatch, Striped(), dense_lr=0.25) == pytest.approx(default * 0.25)


def test_a_convolutional_network_keeps_the_stage_s_learning_rate(monkeypatch) -> None:
    default = adaptive.Adaptive().rel_lr
    assert stage_lr(monkeypatch, Convolutional(), dense_lr=0.25) == pytest.approx(default)
    assert Convolutional().eval()(torch.zeros(1, 1, SIDE, SIDE)).shape == (1, 3)


@pytest.mark.parametrize("bad", [0.0, -0.5, 1.5])
def test_dense_lr_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="dense_lr"):
        gated.Gated(dense_lr=bad)
