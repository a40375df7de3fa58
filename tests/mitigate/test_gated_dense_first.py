"""`gated`'s ``dense_first`` and ``dense_pull``: on a dense network the stages train its first
layer only (every other weight as it came), and the pull holds that layer towards the
original's; a convolutional network's stages train every weight as before."""

from __future__ import annotations

import pytest
import torch
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import PATCH, SIDE, Striped, data, flagged, two_stages
from torch import nn

from trojanscope import registry
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import accept, adaptive, gated
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.trigger_prune import proxy_asr


def corner() -> ReversedTrigger:
    """The patch model's trigger, as a detector would recover it."""
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    return ReversedTrigger(2, mask, torch.ones(1, SIDE, SIDE))


def purified(monkeypatch, model: nn.Module, method: gated.Gated) -> nn.Module:
    flagged(monkeypatch, {2: corner()})
    return method.apply(model.eval(), data())


def same(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.slow  # two purifications: about 20 s on a loaded machine
def test_dense_first_unlearns_the_trigger_in_the_first_layer_alone(monkeypatch) -> None:
    model = Striped(patch=True)
    every = purified(
        monkeypatch,
        model,
        two_stages(eps=0.0, stripes=False, kept=1.01, warp=0, candidates=False, check=False),
    )
    assert not same(every.out, model.out)  # today: every weight moves
    first = purified(
        monkeypatch,
        model,
        two_stages(
            eps=0.0, stripes=False, kept=1.01, warp=0, candidates=False, check=False, dense_first=1
        ),
    )
    assert proxy_asr(first, corner(), data()) < 0.1
    assert same(first.out, model.out) and not same(first.hidden, model.hidden)
    assert all(p.requires_grad for p in first.parameters())


def test_dense_first_2_freezes_the_first_stage_too(monkeypatch) -> None:
    model = Striped(patch=True)
    method = registry.create(
        "mitigation",
        "gated",
        then="finetune",
        eps=0.0,
        stripes=False,
        kept=1.01,
        warp=0,
        candidates=False,
        check=False,
        dense_first=2,
        mixed_last=0,  # the last fit (stop 65's default) would move the output layer too
    )
    out = purified(monkeypatch, model, method)
    assert same(out.out, model.out) and not same(out.hidden, model.hidden)


def test_a_full_pull_holds_the_first_layer_where_it_was(monkeypatch) -> None:
    model = Striped(patch=True)
    method = two_stages(
        eps=0.0,
        stripes=False,
        kept=1.01,
        warp=0,
        candidates=False,
        check=False,
        dense_first=1,
        dense_pull=1.0,
    )
    out = purified(monkeypatch, model, method)
    assert method.report_["unlearn"]["rounds"] > 0  # the second stage ran, and was pulled back
    assert method.report_["dense_first"] == "hidden"
    assert same(out, model)


def test_a_pull_without_dense_first_is_refused() -> None:
    with pytest.raises(ValueError, match="dense_first"):
        registry.create("mitigation", "gated", dense_pull=0.5)


def test_a_convolutional_network_trains_every_weight(monkeypatch) -> None:
    model = Convolutional()
    out = purified(
        monkeypatch,
        model,
        two_stages(
            eps=0.3, stripes=True, kept=1.01, warp=0, candidates=False, check=False, dense_first=1
        ),
    )
    assert not same(out.out, model.out)


@pytest.mark.parametrize(
    "bad",
    [
        {"dense_first": 3},
        {"dense_first": -1},
        {"dense_first": 0.5},
        {"dense_pull": 1.5},
        {"dense_epochs": -1},
    ],
)
def test_values_outside_their_range_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        gated.Gated(**bad)


def judged(monkeypatch, model: nn.Module, **params) -> list[bool]:
    """What ``judge_reach`` the after-stage check was given on ``model``."""
    seen: list[bool] = []

    def compare(*args, judge_reach: bool = True, **kwargs):
        seen.append(judge_reach)
        return {"worse": ""}

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", lambda self, model, *a, **k: model)
    monkeypatch.setattr(accept, "compare", compare)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, **params)
    method.apply(model.eval(), data())
    return seen


def test_the_reach_is_unjudged_on_a_dense_network_only_by_default(monkeypatch) -> None:
    assert judged(monkeypatch, Striped()) == [False]  # the default since zoo-2300
    assert judged(monkeypatch, Striped(), dense_reach=True) == [True]
    assert judged(monkeypatch, Convolutional()) == [True]


def test_the_check_reports_but_does_not_judge_the_reach_when_told(monkeypatch) -> None:
    clean = data()
    first, final = Striped().eval(), Striped().eval()
    monkeypatch.setattr(
        accept, "reach", lambda m, *a: [0.0, 0.0, 0.0] if m is first else [0.0, 0.5, 0.0]
    )
    x, y = clean.x[:20], clean.y[:20]
    judged_ = accept.compare(first, final, clean, clean, x, y, [], [2])
    assert "class 1 reached" in judged_["worse"]
    told = accept.compare(first, final, clean, clean, x, y, [], [2], judge_reach=False)
    assert told["worse"] == "" and told["reach"][1] == [0.0, 0.5, 0.0]


class Recorded(Mitigation):
    """A first stage that changes nothing and records the epochs it was set to run."""

    epochs = 40

    def __init__(self, seen: list[int]) -> None:
        self.seen = seen

    def purify(self, model: nn.Module, clean, seed: int) -> nn.Module:
        self.seen.append(self.epochs)
        return model


def first_epochs(monkeypatch, model: nn.Module, **params) -> list[int]:
    """The epochs the first stage ran on ``model`` (the second stage skipped)."""
    seen: list[int] = []
    flagged(monkeypatch)
    method = registry.create("mitigation", "gated", unlearn=False, **params)
    method.inner = Recorded(seen)
    method.apply(model.eval(), data())
    return seen


def test_dense_epochs_sets_the_first_stage_s_epochs_on_a_dense_network_only(monkeypatch) -> None:
    assert first_epochs(monkeypatch, Striped()) == [40]
    assert first_epochs(monkeypatch, Striped(), dense_epochs=10) == [10]
    # a CNN's first stage reads conv_epochs (20 since issue 12 stop 69), never dense_epochs
    assert first_epochs(monkeypatch, Convolutional(), dense_epochs=10, conv_epochs=0) == [40]
    assert first_epochs(monkeypatch, Convolutional(), dense_epochs=10) == [20]


def first_stage_runs(monkeypatch, model: nn.Module, **params) -> int:
    """How many times the first stage ran on ``model`` (the second stage a no-op)."""
    seen: list[int] = []
    flagged(monkeypatch)
    monkeypatch.setattr(adaptive.Adaptive, "unlearn", lambda self, model, *a, **k: model)
    method = registry.create(
        "mitigation", "gated", kept=1.01, warp=0, candidates=False, check=False, **params
    )
    method.inner = Recorded(seen)
    method.apply(model.eval(), data())
    return len(seen)


def test_dense_then_0_skips_the_first_stage_on_a_dense_network_only(monkeypatch) -> None:
    assert first_stage_runs(monkeypatch, Striped()) == 1
    assert first_stage_runs(monkeypatch, Striped(), dense_then=False) == 0
    assert first_stage_runs(monkeypatch, Convolutional(), dense_then=False) == 1
