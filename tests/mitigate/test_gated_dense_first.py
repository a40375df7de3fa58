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
from trojanscope.mitigate import gated
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
    )
    out = purified(monkeypatch, model, method)
    assert same(out.out, model.out) and not same(out.hidden, model.hidden)


def test_a_full_pull_holds_the_first_layer_where_it_was(monkeypatch) -> None:
    model = Striped(patch=True)
    out = purified(
        monkeypatch,
        model,
        two_stages(
            eps=0.0,
            stripes=False,
            kept=1.01,
            warp=0,
            candidates=False,
            check=False,
            dense_first=1,
            dense_pull=1.0,
        ),
    )
    assert same(out, model)


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
    "bad", [{"dense_first": 3}, {"dense_first": -1}, {"dense_first": 0.5}, {"dense_pull": 1.5}]
)
def test_values_outside_their_range_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        gated.Gated(**bad)
