"""`gated`'s ``first_near`` and FT-SAM's ``near``: the first stage's distillation also reads
neighbours of the clean images on a dense image model (opt-in, issue 12 stop 48)."""

from __future__ import annotations

import math

import pytest
import torch
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Striped, data, flagged
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate import gated
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.ftsam import FTSAM


class Near(Mitigation):
    """A first stage that changes nothing and records the ``near`` it was set to."""

    near = 0
    rho = 5.0

    def __init__(self, seen: list[int]) -> None:
        self.seen = seen

    def purify(self, model: nn.Module, clean, seed: int) -> nn.Module:
        self.seen.append(self.near)
        return model


def first_near(monkeypatch, model: nn.Module, **params) -> list[int]:
    seen: list[int] = []
    flagged(monkeypatch)
    method = registry.create("mitigation", "gated", unlearn=False, **params)
    method.inner = Near(seen)
    method.apply(model.eval(), data())
    assert method.inner.near == 0  # the stage itself is left as it was, for the next model
    return seen


def test_first_near_sets_the_first_stage_s_neighbours_on_a_dense_network_only(
        monkeypatch) -> None:
    assert first_near(monkeypatch, Striped(), first_near=2) == [2]
    assert first_near(monkeypatch, Convolutional(), first_near=2) == [0]


def test_by_default_the_first_stage_reads_no_neighbours(monkeypatch) -> None:
    assert first_near(monkeypatch, Striped()) == [0]
    assert registry.create("mitigation", "gated").get_params()["first_near"] == 0
    assert registry.create("mitigation", "ftsam").get_params()["near"] == 0


@pytest.mark.parametrize("bad", [-1, 9, 1.5, math.nan])
def test_values_outside_their_range_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="first_near"):
        gated.Gated(first_near=bad)
    with pytest.raises(ValueError, match="near"):
        FTSAM(near=bad)


def tiny() -> tuple[nn.Module, TensorDataset]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
    x = torch.rand(24, 1, 4, 4)
    return model, TensorDataset(x, torch.arange(24) % 3, ["a", "b", "c"])


def purified(**params) -> dict[str, torch.Tensor]:
    torch.set_num_threads(1)
    model, clean = tiny()
    FTSAM(epochs=2, **params).purify(model, clean, seed=0)
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_ftsam_neighbours_change_the_weights_and_repeat_from_the_seed() -> None:
    plain, near, again = purified(), purified(near=2), purified(near=2)
    assert any(not torch.equal(plain[k], near[k]) for k in plain)
    assert all(torch.equal(near[k], again[k]) for k in near)


def test_without_distillation_the_neighbours_are_not_read() -> None:
    plain, near = purified(distill=0.0), purified(distill=0.0, near=2)
    assert all(torch.equal(plain[k], near[k]) for k in plain)
