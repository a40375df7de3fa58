"""`gated`'s ``dense_stop``: on a dense image model the second stage ends after the first round
where the reversed triggers it started from send at most that share of the held-back images
(``Adaptive.stop_trigger``), and ``dense_rounds`` becomes the safety net only; unset (the
default), nothing changes."""

from __future__ import annotations

import pytest
import torch
from test_adaptive import Wired, _pixel_trigger, _wired_data
from test_gated_dense_lr import Convolutional, stage_read
from test_gated_unlearn import Striped, data, flagged, two_stages
from torch import nn

from trojanscope import registry
from trojanscope.mitigate import adaptive, gated


def stage_seen(monkeypatch, model: nn.Module, **params) -> tuple[int, float | None]:
    """The ``rounds`` and ``stop_trigger`` the second stage ran with on ``model``."""
    return stage_read(monkeypatch, model,
                      lambda stage: (stage.rounds, stage.stop_trigger), **params)


def test_dense_stop_sets_the_stop_and_lifts_the_cap_on_a_dense_network(monkeypatch) -> None:
    assert stage_seen(monkeypatch, Striped()) == (6, None)  # the default: the cap 8 > rounds
    assert stage_seen(monkeypatch, Striped(), dense_stop=0) == (8, 0.0)  # the cap: the net
    assert stage_seen(monkeypatch, Striped(), dense_stop=0, dense_rounds=4) == (4, 0.0)
    rounds = gated.UNLEARN["rounds"]
    assert stage_seen(monkeypatch, Striped(), dense_stop=0.05, dense_rounds=10) == (10, 0.05)
    assert rounds < 10  # the net may sit above ``rounds``
    assert stage_seen(monkeypatch, Convolutional(), dense_stop=0) == (rounds, None)


def test_the_stage_stops_once_its_starting_trigger_gives_its_class_little() -> None:
    stage = adaptive.Adaptive(rounds=3, epochs=1, eps=0.0, stop_asr=-1.0, val_fraction=0.25,
                              stop_trigger=1.0)  # every reading is at most 1: the first round
    stage.unlearn(Wired(), _wired_data(), [_pixel_trigger()], [2], 0,
                  torch.Generator().manual_seed(0))
    assert stage.report_["rounds"] == 1  # the reading before the first round, and after it
    assert len(stage.report_["trigger_left"]) == 2
    assert stage.report_["action"].startswith("stopped: the triggers it started from")


def test_without_stop_trigger_the_rounds_run_as_before() -> None:
    stage = adaptive.Adaptive(rounds=2, epochs=1, eps=0.0, stop_asr=-1.0, val_fraction=0.25)
    stage.unlearn(Wired(), _wired_data(), [_pixel_trigger()], [2], 0,
                  torch.Generator().manual_seed(0))
    assert stage.report_["rounds"] == 2 and "trigger_left" not in stage.report_
    assert stage.report_["action"] == "all rounds"


def test_a_reading_that_still_falls_does_not_stop_the_stage_one_that_stays_does() -> None:
    stage, model, data = adaptive.Adaptive(stop_trigger=0.5), Wired().eval(), _wired_data()
    p = adaptive.trigger_probability(model, _pixel_trigger(), data)
    assert p > 0.9  # the planted unit: the pixel gives class 2 nearly all of the probability
    report: dict = {}
    assert not stage._gone(model, [_pixel_trigger()], data, report)  # the reading before
    report["trigger_left"] = [2 * p]  # as if the round had halved it: still falling
    assert not stage._gone(model, [_pixel_trigger()], data, report)
    assert report["trigger_left"] == [2 * p, round(p, 4)] and "action" not in report
    assert stage._gone(model, [_pixel_trigger()], data, report)  # unchanged: a plateau
    assert "down less than 10%" in report["action"]


def test_the_trigger_probability_of_an_inert_trigger_is_small() -> None:
    inert = _pixel_trigger()
    inert.mask.zero_()  # stamps nothing: the clean images, where class 2's logit is 0
    p = adaptive.trigger_probability(Wired().eval(), inert, _wired_data())
    assert p < 0.3 < adaptive.trigger_probability(Wired().eval(), _pixel_trigger(), _wired_data())


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_dense_stop_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="dense_stop"):
        gated.Gated(dense_stop=bad)
    with pytest.raises(ValueError, match="stop_trigger"):
        adaptive.Adaptive(stop_trigger=bad)


def test_stop_trigger_is_a_constructor_parameter_through_the_registry() -> None:
    stage = registry.create("mitigation", "adaptive", stop_trigger=0.01)
    assert stage.stop_trigger == 0.01 and stage.extra_callbacks == []
    assert registry.create("mitigation", "adaptive").stop_trigger is None  # the default: off


def test_the_readings_reach_gated_s_note(monkeypatch) -> None:
    def unlearn(self, model, *args, **kwargs):
        self.report_.update(rounds=2, action="stopped: ...", trigger_left=[0.4, 0.1, 0.09])
        return model

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, check=False,
                        dense_stop=0.005)
    method.apply(Striped().eval(), data())
    assert method.report_["unlearn"]["trigger_left"] == [0.4, 0.1, 0.09]


def test_the_stage_s_settings_are_its_constructor_arguments() -> None:
    method = gated.Gated()
    method.held_ = None  # purify sets it: no guard_hold share
    base = {**gated.UNLEARN, "eps": method.eps, "rounds": gated.UNLEARN["rounds"],
            "stripes": method.stripes, "rel_lr": adaptive.REL_LR, "near": gated.DENSE_NEAR,
            "near_mix": True, "near_free": gated.NEAR_FREE}
    assert method._stage_settings(Striped(), data()) == base  # the default: no stop, no budget
    method = gated.Gated(dense_stop=0.005, dense_rounds=10, dense_lr=0.5)
    method.held_ = data(8)  # as under guard_hold
    assert method._stage_settings(Striped(), data()) == {
        **base, "rounds": 10, "stop_trigger": 0.005, "rel_lr": adaptive.REL_LR * 0.5,
        "ca_budget": method.guard_budget}
    stage = adaptive.Adaptive(**method._stage_settings(Striped(), data()))
    assert (stage.stop_trigger, stage.ca_budget, stage.rounds) == (0.005, gated.GUARD_BUDGET, 10)
