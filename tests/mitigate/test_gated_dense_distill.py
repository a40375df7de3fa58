"""`gated`'s ``dense_distill``: the first stage's distillation weight on a dense image model
(opt-in, issue 12 stop 38); a convolutional model and the default keep the stage's own."""

from __future__ import annotations

import math

import pytest
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Striped, data, flagged
from torch import nn

from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.base import Mitigation


class Distill(Mitigation):
    """A first stage that changes nothing and records the distillation weight it was set to."""

    distill = 1.0
    rho = 5.0

    def __init__(self, seen: list[float]) -> None:
        self.seen = seen

    def purify(self, model: nn.Module, clean, seed: int) -> nn.Module:
        self.seen.append(self.distill)
        return model


def first_distill(monkeypatch, model: nn.Module, **params) -> list[float]:
    seen: list[float] = []
    flagged(monkeypatch)
    method = registry.create("mitigation", "gated", unlearn=False, **params)
    method.inner = Distill(seen)
    method.apply(model.eval(), data())
    assert method.inner.distill == 1.0  # the stage itself is left as it was, for the next model
    return seen


def test_dense_distill_sets_the_first_stage_s_weight_on_a_dense_network_only(monkeypatch) -> None:
    assert first_distill(monkeypatch, Striped(), dense_distill=3.0) == [3.0]
    assert first_distill(monkeypatch, Convolutional(), dense_distill=3.0) == [1.0]


def test_by_default_the_first_stage_keeps_its_own_weight(monkeypatch) -> None:
    assert first_distill(monkeypatch, Striped()) == [1.0]
    assert registry.create("mitigation", "gated").get_params()["dense_distill"] == 0.0
    assert registry.create("mitigation", "gated", dense_distill=3).dense_distill == 3


@pytest.mark.parametrize("bad", [-1.0, math.nan, 101.0])
def test_values_outside_their_range_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="dense_distill"):
        gated.Gated(dense_distill=bad)
