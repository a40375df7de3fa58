"""`gated`'s ``dense_lr``, ``dense_rounds`` and ``dense_check``: the second stage's learning rate
and rounds on a dense network (no 2-D convolution) are scaled and capped, and the after-stage
check skipped there; on a convolutional one all is left as it is. The stage itself is replaced
by one that records the settings it was given, the check by one that counts its calls."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import SIDE, Striped, data, flagged, two_stages
from torch import nn

from trojanscope.mitigate import accept, adaptive, gated


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


def checked(monkeypatch, model: nn.Module, **params) -> int:
    """How many times the after-stage check ran on ``model``."""
    calls: list[int] = []

    def compare(*args, **kwargs):
        calls.append(1)
        return {"worse": ""}

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", lambda self, model, *a, **k: model)
    monkeypatch.setattr(accept, "compare", compare)
    flagged(monkeypatch)
    two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, **params).apply(
        model.eval(), data()
    )
    return len(calls)


def stage_settings(monkeypatch, model: nn.Module, **params) -> tuple[float, int]:
    """The ``rel_lr`` and ``rounds`` the second stage ran with on ``model``."""
    return stage_read(monkeypatch, model, lambda stage: (stage.rel_lr, stage.rounds), **params)


def stage_read(monkeypatch, model: nn.Module, read, **params):
    """What ``read`` gives of the second stage (the ``Adaptive`` it builds) on ``model``: its
    ``unlearn`` is replaced, so no round runs."""
    seen: list = []

    def unlearn(self, model, *args, **kwargs):
        seen.append(read(self))
        return model

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, check=False, **params)
    method.apply(model.eval(), data())
    assert len(seen) == 1
    return seen[0]


def test_a_dense_network_gets_the_scaled_learning_rate_and_capped_rounds(monkeypatch) -> None:
    default, rounds = adaptive.Adaptive().rel_lr, gated.UNLEARN["rounds"]
    full = stage_settings(monkeypatch, Striped(), dense_rounds=0)  # 0: every round
    assert full == (pytest.approx(default), rounds)
    lr, _ = stage_settings(monkeypatch, Striped(), dense_lr=0.25)
    assert lr == pytest.approx(default * 0.25)
    assert stage_settings(monkeypatch, Striped(), dense_rounds=3)[1] == 3
    assert stage_settings(monkeypatch, Striped(), dense_rounds=9)[1] == rounds  # a cap only


def test_by_default_the_second_stage_runs_every_round_on_a_dense_network(monkeypatch) -> None:
    # the cap is 8 since zoos 2411/2412 met their rule (issue 12 stop 44; 4 from stop 39b):
    # a cap above ``rounds``, so the six rounds run, as on a convolutional model
    assert gated.UNLEARN["rounds"] == 6 < gated.DENSE_ROUNDS == 8
    assert stage_settings(monkeypatch, Striped())[1] == gated.UNLEARN["rounds"]
    assert stage_settings(monkeypatch, Striped(), dense_rounds=4)[1] == 4  # the old default
    assert stage_settings(monkeypatch, Convolutional())[1] == gated.UNLEARN["rounds"]
    assert gated.Gated().get_params()["dense_rounds"] == 8


def test_a_convolutional_network_keeps_the_stage_s_settings(monkeypatch) -> None:
    default, rounds = adaptive.Adaptive().rel_lr, gated.UNLEARN["rounds"]
    lr, n = stage_settings(monkeypatch, Convolutional(), dense_lr=0.25, dense_rounds=3)
    assert lr == pytest.approx(default) and n == rounds
    assert Convolutional().eval()(torch.zeros(1, 1, SIDE, SIDE)).shape == (1, 3)


def test_dense_check_0_skips_the_check_on_a_dense_network_only(monkeypatch) -> None:
    assert checked(monkeypatch, Striped()) == 1
    assert checked(monkeypatch, Striped(), dense_check=False) == 0
    assert checked(monkeypatch, Convolutional(), dense_check=False) == 1


@pytest.mark.parametrize("bad", [0.0, -0.5, 1.5])
def test_dense_lr_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="dense_lr"):
        gated.Gated(dense_lr=bad)


@pytest.mark.parametrize("bad", [-1, 2.5])
def test_dense_rounds_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="dense_rounds"):
        gated.Gated(dense_rounds=bad)
