"""The note scaffold the `gated` steps share (``mitigate/step_note.py``) and the registered
entry of the steps that read the detector's reversed trigger
(``after_steps.trigger_after_step``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from trojanscope.mitigate.after_steps import AfterState, trigger_after_step
from trojanscope.mitigate.step_note import step_note


def _returns_inside(gated: SimpleNamespace) -> str:
    with step_note(gated, "early") as note:
        note.update(flip=0.5, bar=0.1)
        note["action"] = "none"
        return "out"


def test_the_note_keeps_its_order_and_gets_seconds_last_even_on_a_return() -> None:
    gated = SimpleNamespace(report_={})
    assert _returns_inside(gated) == "out"
    note = gated.report_["early"]
    assert list(note) == ["flip", "bar", "action", "seconds"]
    assert isinstance(note["seconds"], float) and note["seconds"] >= 0


def test_a_step_that_raises_leaves_no_note() -> None:
    gated = SimpleNamespace(report_={})
    with pytest.raises(ValueError), step_note(gated, "broken") as note:
        note["flip"] = 1.0
        raise ValueError("the step failed")
    assert "broken" not in gated.report_


def step_for_test(gated, *args):  # looked up by name, as the registered steps' are
    return ("called", args)


def test_the_trigger_entry_looks_the_step_up_at_call_time_and_passes_came_where_asked(
        monkeypatch) -> None:
    state = AfterState(out="OUT", clean="CLEAN", seed=3, came={"w": 1})
    gated = SimpleNamespace(report_={"free_reach": {"reach": 0.2}, "suspect": 2},
                            verdict_=SimpleNamespace(triggers={2: "T"}))
    plain = trigger_after_step("plain", __name__, "step_for_test")
    with_came = trigger_after_step("with_came", __name__, "step_for_test", came=True)
    assert plain(gated, state) == ("called", ("OUT", "CLEAN", 3, "T"))
    assert with_came(gated, state) == ("called", ("OUT", {"w": 1}, "CLEAN", 3, "T"))
    monkeypatch.setattr(f"{__name__}.step_for_test", lambda g, *a: "spied")
    assert plain(gated, state) == "spied"
    assert ":func:`step_for_test`" in plain.__doc__


def test_the_trigger_entry_hands_the_model_back_where_there_is_no_trigger() -> None:
    state = AfterState(out="OUT", clean="CLEAN", seed=3, came={})
    gated = SimpleNamespace(report_={"free_reach": {"reach": 0.2}, "suspect": 2},
                            verdict_=SimpleNamespace(triggers={}))
    assert trigger_after_step("none_here", __name__, "step_for_test")(gated, state) == "OUT"
    assert gated.report_["none_here"]["action"] == "skipped: no reversed trigger for the suspect"
