"""`gated`'s ``round_stop`` (:mod:`trojanscope.mitigate.round_stop`): on a dense image model the
second stage stops after the round that leaves its starting triggers' reading at most P, with
no second stop for a reading that falls slowly (``Adaptive``'s ``stop_fall`` 0) and today's cap
kept; off (the default), or where ``dense_stop`` is set, nothing changes."""

from __future__ import annotations

import pytest
from test_gated_dense_lr import Convolutional, stage_read
from test_gated_unlearn import Striped, data

from trojanscope.mitigate import adaptive, gated, round_stop


def test_round_stop_is_off_by_default() -> None:
    assert round_stop.ROUND_STOP == 0.0 and gated.Gated().round_stop == 0.0


def test_round_stop_sets_the_stop_without_the_fall_and_keeps_the_cap(monkeypatch) -> None:
    def seen(model, **params):
        return stage_read_fall(monkeypatch, model, **params)

    assert seen(Striped()) == (6, None, adaptive.STOP_FALL)  # off: as today
    assert seen(Striped(), round_stop=0.005) == (6, 0.005, 0.0)  # rounds 6 < the cap 8
    assert seen(Striped(), round_stop=0.005, dense_rounds=4) == (4, 0.005, 0.0)
    assert seen(Striped(), round_stop=0.005, dense_stop=0.01) == (8, 0.01, adaptive.STOP_FALL)
    rounds = gated.UNLEARN["rounds"]
    assert seen(Convolutional(), round_stop=0.005) == (rounds, None, adaptive.STOP_FALL)


def stage_read_fall(monkeypatch, model, **params) -> tuple:
    """The ``rounds``, ``stop_trigger`` and ``stop_fall`` the second stage ran with."""
    return stage_read(monkeypatch, model,
                      lambda stage: (stage.rounds, stage.stop_trigger, stage.stop_fall),
                      **params)


def test_the_settings_are_the_stage_s_constructor_arguments() -> None:
    method = gated.Gated(round_stop=0.005)
    method.held_ = None
    settings = method._stage_settings(Striped(), data())
    assert (settings["stop_trigger"], settings["stop_fall"]) == (0.005, 0.0)
    stage = adaptive.Adaptive(**settings)
    assert (stage.stop_trigger, stage.stop_fall, stage.rounds) == (0.005, 0.0, 6)
    off = gated.Gated()
    off.held_ = None
    assert "stop_trigger" not in off._stage_settings(Striped(), data())


def test_without_the_fall_a_slow_fall_runs_on_until_the_bar(monkeypatch) -> None:
    start = [object()]
    readings = iter([0.4, 0.02, 0.019, 0.004])
    monkeypatch.setattr(adaptive, "trigger_probability", lambda *a: next(readings))
    stage, report = adaptive.Adaptive(stop_trigger=0.005, stop_fall=0.0), {}
    assert not stage._gone(None, start, None, report)  # before the first round
    assert not stage._gone(None, start, None, report)  # 0.02: above the bar
    assert not stage._gone(None, start, None, report)  # 0.019: down 5%, no second stop
    assert stage._gone(None, start, None, report)      # 0.004 <= 0.005
    assert report["action"].endswith("0.0040 <= 0.005")
    readings = iter([0.4, 0.02, 0.019])  # today's dense_stop: the slow fall stops it
    stage, report = adaptive.Adaptive(stop_trigger=0.005), {}
    stage._gone(None, start, None, report)
    stage._gone(None, start, None, report)
    assert stage._gone(None, start, None, report)
    assert "down less than 10%" in report["action"]


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_out_of_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="round_stop"):
        gated.Gated(round_stop=bad)
    with pytest.raises(ValueError, match="stop_fall"):
        adaptive.Adaptive(stop_fall=bad)
