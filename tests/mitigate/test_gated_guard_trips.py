"""`gated`'s ``guard_trips`` (``Adaptive``'s ``trips``): how many rounds the second stage's CA
guard takes back before it ends the stage; 2, the default, ends it at the second, as before
issue 12 stop 49, and passes nothing to the stage."""

from __future__ import annotations

import pytest
import torch
from test_adaptive import Wired, _pixel_trigger, _wired_data
from test_gated_unlearn import Striped, data

from trojanscope.mitigate import adaptive, gated


def stage_rounds(monkeypatch, **params) -> dict:
    """The report of a five-round stage whose guard takes back every round (its floor above
    any accuracy), with the fresh search stubbed to find nothing and never to stop it."""
    torch.set_num_threads(1)
    monkeypatch.setattr(adaptive.Adaptive, "_search", staticmethod(lambda *a: []))
    stage = adaptive.Adaptive(rounds=5, epochs=1, ca_budget=-1.0, stop_asr=-1.0, eps=0.0,
                              shift=0, **params)
    stage.report_ = {}
    stage.unlearn(Wired(), _wired_data(), [_pixel_trigger()], [2], 0,
                  torch.Generator().manual_seed(0))
    return stage.report_


def test_the_second_trip_ends_the_stage_by_default(monkeypatch) -> None:
    report = stage_rounds(monkeypatch)
    assert (report["rounds"], report["action"]) == (2, "stopped by the CA guard")


@pytest.mark.parametrize(("trips", "rounds"), [(1, 1), (3, 3), (4, 4)])
def test_trips_sets_the_trip_that_ends_it(monkeypatch, trips: int, rounds: int) -> None:
    report = stage_rounds(monkeypatch, trips=trips)
    assert (report["rounds"], report["action"]) == (rounds, "stopped by the CA guard")


def test_more_trips_than_rounds_runs_them_all(monkeypatch) -> None:
    report = stage_rounds(monkeypatch, trips=10)
    assert (report["rounds"], report["action"]) == (5, "all rounds")


def settings_of(**params) -> dict:
    """``gated``'s second-stage settings for a dense image model, no guard_hold share."""
    method = gated.Gated(**params)
    method.held_ = None  # purify sets it
    return method._stage_settings(Striped(), data())


def test_gated_passes_guard_trips_to_the_stage_only_when_set() -> None:
    base = settings_of()
    assert "trips" not in base  # the default: the stage's own 2, nothing passed
    assert settings_of(guard_trips=2) == base
    settings = settings_of(guard_trips=4)
    assert settings == {**base, "trips": 4}
    assert adaptive.Adaptive(**settings).trips == 4


@pytest.mark.parametrize("bad", [0, 11, 1.5, -1])
def test_bad_values_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="guard_trips"):
        gated.Gated(guard_trips=bad)
    with pytest.raises(ValueError, match="trips"):
        adaptive.Adaptive(trips=bad)
