"""`gated`'s ``dense_prune`` and ``dense_rho``: on a dense network the first-layer units the
recovered trigger drives most are pruned, as many as keep the held-back accuracy, and the first
stage's radius is scaled (halved by default); a convolutional network is treated as before."""

from __future__ import annotations

import pytest
import torch
from test_gated_dense_first import corner
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Striped, data, flagged, two_stages
from torch import nn

from trojanscope import registry
from trojanscope.mitigate import adaptive, gated
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.dense_prune import sizes
from trojanscope.mitigate.trigger_prune import proxy_asr


def pruned(monkeypatch, model: nn.Module, **params) -> gated.Gated:
    """``model`` through `gated` with a first stage and a second stage that change nothing."""
    flagged(monkeypatch, {2: corner()})
    monkeypatch.setattr(adaptive.Adaptive, "unlearn", lambda self, model, *a, **k: model)
    # mixed_last=0: the last fit (stop 65's default) would move the pruned unit again
    method = two_stages(kept=1.01, warp=0, candidates=False, check=False, mixed_last=0, **params)
    method.out_ = method.apply(model.eval(), data())
    return method


def test_the_unit_the_trigger_drives_is_pruned_and_the_clean_unit_kept(monkeypatch) -> None:
    model = Striped(patch=True)
    assert proxy_asr(model, corner(), data()) == 1.0
    method = pruned(monkeypatch, model, dense_prune=2)
    out = method.out_
    # unit 1 reads the corner: pruned; pruning unit 0 too would cost the clean accuracy
    assert method.report_["prune"]["units"] == [1]
    assert set(method.report_["prune"]["tried"]) == {1, 2}
    assert (
        torch.count_nonzero(out.hidden.weight[1]) == 0 and float(out.hidden.bias[1].detach()) == 0.0
    )
    assert torch.equal(out.hidden.weight[0], Striped(patch=True).hidden.weight[0])
    assert proxy_asr(out, corner(), data()) < 0.1


def test_without_the_option_or_on_a_convolutional_network_nothing_is_pruned(monkeypatch) -> None:
    assert "prune" not in pruned(monkeypatch, Striped(patch=True)).report_
    assert "prune" not in pruned(monkeypatch, Convolutional(), dense_prune=2).report_


def test_the_counts_tried() -> None:
    assert sizes(0) == [] and sizes(1) == [1] and sizes(32) == [1, 2, 4, 8, 16, 32]
    assert sizes(12) == [1, 2, 4, 8, 12]


class Radius(Mitigation):
    """A first stage that changes nothing and records the radius it was set to use."""

    rho = 5.0

    def __init__(self, seen: list[float]) -> None:
        self.seen = seen

    def purify(self, model: nn.Module, clean, seed: int) -> nn.Module:
        self.seen.append(self.rho)
        return model


def first_rho(monkeypatch, model: nn.Module, **params) -> list[float]:
    seen: list[float] = []
    flagged(monkeypatch)
    method = registry.create("mitigation", "gated", unlearn=False, **params)
    method.inner = Radius(seen)
    method.apply(model.eval(), data())
    return seen


def test_dense_rho_scales_the_first_stage_s_radius_on_a_dense_network_only(monkeypatch) -> None:
    assert first_rho(monkeypatch, Striped(), dense_rho=1.0) == [5.0]
    assert first_rho(monkeypatch, Striped(), dense_rho=0.25) == [1.25]
    assert first_rho(monkeypatch, Convolutional(), dense_rho=0.25) == [5.0]


def test_by_default_the_first_stage_runs_at_half_its_radius_on_a_dense_network(monkeypatch) -> None:
    # the default since the seed-2400 MLP zoo (issue 12 stop 35); a convolutional model as before
    assert first_rho(monkeypatch, Striped()) == [2.5]
    assert first_rho(monkeypatch, Convolutional()) == [5.0]
    assert registry.create("mitigation", "gated").get_params()["dense_rho"] == 0.5


@pytest.mark.parametrize(
    "bad",
    [{"dense_rho": 0.0}, {"dense_rho": 1.5}, {"dense_prune": -1}, {"dense_prune": 0.5}],
)
def test_values_outside_their_range_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        gated.Gated(**bad)
