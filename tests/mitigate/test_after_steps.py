"""`gated`'s after-steps as one registered, ordered list (issue 12 stop 57: h12): the order and
the enabling options are what docs/mitigation.md says, and the chain runs them in that order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from test_gated_free_reach import stages
from test_gated_unlearn import Striped, data

from trojanscope.mitigate import after_steps, gated
from trojanscope.mitigate.free_unlearn import free_changed

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mitigation.md"


def test_the_order_and_options_are_the_documented_ones() -> None:
    names = [s.name for s in after_steps.AFTER_STEPS]
    assert names == ["reach_round2", "first_read", "held_pick", "fold_back", "sparse_last",
                     "residue_last", "refit_last", "trigger_last", "round_last", "fresh_last",
                     "teach_last", "mixed_last", "restore_last", "repair_last", "blend_last",
                     "aug_last", "reproject_last", "dense_back"]
    assert all(s.option == s.name for s in after_steps.AFTER_STEPS)
    text = DOCS.read_text()
    line = re.search(r"After `free_reach`'s step, in this order: (.*)", text)
    assert line is not None
    assert re.findall(r"`(\w+)`", line.group(1)) == names


def test_the_defaults_and_asked_options_turn_on_their_steps() -> None:
    on = after_steps.enabled_steps
    assert [s.name for s in on(gated.Gated())] == ["reach_round2", "teach_last", "mixed_last",
                                                   "blend_last", "aug_last"]
    assert on(gated.Gated(free_reach=0)) == []
    asked = gated.Gated(first_read=0.03, held_pick=0.2, fold_back=1, sparse_last=True,
                        residue_last=0.1, refit_last=5, trigger_last=5, round_last=0.2,
                        fresh_last=0.05, teach_last=5, mixed_last=5, restore_last=10,
                        repair_last=10, blend_last=10, aug_last=5)
    assert [s.name for s in on(asked)] == ["reach_round2", "first_read", "held_pick",
                                           "fold_back", "sparse_last", "residue_last",
                                           "refit_last", "trigger_last", "round_last",
                                           "fresh_last", "teach_last", "mixed_last",
                                           "restore_last", "repair_last", "blend_last",
                                           "aug_last"]
    assert not after_steps.keeps_first(gated.Gated())
    assert after_steps.keeps_first(gated.Gated(first_read=0.03))
    assert after_steps.keeps_first(gated.Gated(held_pick=0.2))
    assert not after_steps.keeps_first(gated.Gated(fold_back=1))
    assert not after_steps.keeps_first(gated.Gated(sparse_last=True))
    assert not after_steps.keeps_first(gated.Gated(residue_last=0.1))
    assert not after_steps.keeps_first(gated.Gated(refit_last=5))
    assert not after_steps.keeps_first(gated.Gated(trigger_last=5))
    assert not after_steps.keeps_first(gated.Gated(round_last=0.2))
    assert not after_steps.keeps_first(gated.Gated(fresh_last=0.05))
    assert not after_steps.keeps_first(gated.Gated(teach_last=5))
    assert not after_steps.keeps_first(gated.Gated(mixed_last=5))
    assert not after_steps.keeps_first(gated.Gated(restore_last=10))
    assert not after_steps.keeps_first(gated.Gated(repair_last=10))
    assert not after_steps.keeps_first(gated.Gated(blend_last=10))
    assert not after_steps.keeps_first(gated.Gated(aug_last=5))


def test_the_chain_runs_the_enabled_steps_in_order_each_on_the_last_output(monkeypatch) -> None:
    torch.set_num_threads(1)
    ran: list[str] = []
    made: list[torch.nn.Module] = []
    for step in after_steps.AFTER_STEPS:
        def call(g, state, name=step.name):
            assert not made or state.out is made[-1]  # each on what the one before returned
            ran.append(name)
            made.append(Striped())
            return made[-1]
        monkeypatch.setattr(f"{step.module}.{step.function}", call)
    method = gated.Gated(free_reach=0.5, reach_round2=False, first_read=0.03, fold_back=1,
                         sparse_last=True, residue_last=0.1, refit_last=5, trigger_last=5,
                         round_last=0.2, teach_last=5, mixed_last=5, restore_last=10,
                         repair_last=10, blend_last=10)
    monkeypatch.setattr(method, "_purify_margin", stages(method, True))
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda *a, **k: 0.0)
    out = free_changed(method, Striped(), data(), 0)
    assert ran == ["first_read", "fold_back", "sparse_last", "residue_last", "refit_last",
                   "trigger_last", "round_last", "teach_last", "mixed_last", "restore_last",
                   "repair_last", "blend_last", "aug_last"]
    assert out is made[-1]


def test_a_step_needing_free_reachs_reading_is_skipped_with_one_note_without_it() -> None:
    """``free_reach_read`` (stop 60 review: the check sparse_last, residue_last and refit_last
    each wrote out): True where the reading is there, else the step's note says it skipped."""
    method = gated.Gated()
    method.report_ = {"free_reach": {"reach": 0.1}}
    assert after_steps.free_reach_read(method, "refit_last") and "refit_last" not in \
        method.report_
    for report in ({}, {"free_reach": {"action": "unchanged"}}):
        method.report_ = dict(report)
        assert not after_steps.free_reach_read(method, "sparse_last")
        assert method.report_["sparse_last"]["action"].startswith(
            "skipped: free_reach's step did not read the model")


def test_the_suspects_trigger_is_read_only_after_free_reachs_reading() -> None:
    """``suspect_trigger`` (stop 62 review: it holds the check ``residue_last``,
    ``trigger_last`` and ``round_last`` each made before it): no reading, or no trigger for
    the suspect, gives None and the note says which; otherwise the suspect's trigger."""
    from types import SimpleNamespace

    method = gated.Gated()
    method.verdict_ = SimpleNamespace(triggers={2: "T2"})
    method.report_ = {"free_reach": {"action": "unchanged"}, "suspect": 2}
    assert after_steps.suspect_trigger(method, "round_last") is None
    assert method.report_["round_last"]["action"].startswith("skipped: free_reach's step")
    method.report_ = {"free_reach": {"reach": 0.1}, "suspect": 2}
    assert after_steps.suspect_trigger(method, "round_last") == "T2"
    assert "round_last" not in method.report_
    method.report_["suspect"] = 1
    assert after_steps.suspect_trigger(method, "round_last") is None
    assert method.report_["round_last"]["action"] == ("skipped: no reversed trigger for the "
                                                      "suspect")


@pytest.mark.parametrize(("module", "function", "option"), [
    ("trojanscope.mitigate.sparse_last", "sparse_step", {"sparse_last": True}),
    ("trojanscope.mitigate.refit_last", "refit_step", {"refit_last": 5}),
])
def test_in_the_run_the_step_runs_only_where_free_reach_read_the_model(
        monkeypatch, module: str, function: str, option: dict) -> None:
    """Unchanged, or changed with no suspect: skipped with the note; changed with a suspect:
    run (one test for sparse_last's and refit_last's, stop 60 review)."""
    torch.set_num_threads(1)
    called: list = []
    monkeypatch.setattr(f"{module}.{function}", lambda g, out, *a: called.append(1) or out)
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda *a, **k: 0.0)  # under free_reach's bar: its step only reads
    (name,) = option
    for change, suspect, runs in ((False, 2, False), (True, None, False), (True, 2, True)):
        called.clear()
        method = gated.Gated(free_reach=0.5, reach_round2=False, **option)
        monkeypatch.setattr(method, "_purify_margin", stages(method, change, suspect))
        free_changed(method, Striped(), data(40), 0)
        assert bool(called) is runs
        if not runs:
            assert method.report_[name]["action"].startswith("skipped")
