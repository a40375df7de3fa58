"""`gated`'s ``reach_round2``: after ``free_reach``'s step, its unlearning runs once more where
the suspect is not the least reachable class (the default since issue 12 stop 54)."""

from __future__ import annotations

import math

import pytest
import torch
from gated_cli_refusal import refuses_in_one_line
from test_gated_free_reach import stages
from test_gated_unlearn import Striped, data, signal_asr

import trojanscope.mitigate.free_unlearn as fu
import trojanscope.mitigate.reach_round as rr
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.free_unlearn import free_changed


@pytest.fixture
def wide(monkeypatch) -> None:
    """The hand-wired stripe unit needs 0.3 per pixel (the real bars are for MNIST MLPs)."""
    monkeypatch.setattr(fu, "READ_EPS", 0.3)
    monkeypatch.setattr(fu, "EPS", 0.4)
    monkeypatch.setattr(fu, "LR", 0.01)  # hand-set weights of scale 1-10, not a trained MLP's


def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())


def method_with(suspect: int, **params) -> gated.Gated:
    method = gated.Gated(reach_round2=True, **params)
    method.report_ = {"suspect": suspect}
    return method


def test_the_rank_counts_the_classes_read_lower_than_the_suspect(wide) -> None:
    torch.set_num_threads(1)
    clean = data()
    reach, rank = rr.reach_rank(Striped().eval(), clean.x, clean.y, 2)
    # the stripe unit (class 2) and a brighter image (class 1) are in reach; class 0 is not
    # (a bright image made dark needs more than 0.3 per pixel)
    assert reach == [0.0, 1.0, 1.0] and rank == 1
    assert rr.reach_rank(Striped().eval(), clean.x, clean.y, 0) == ([0.0, 1.0, 1.0], 0)


def test_the_round_unlearns_only_where_the_suspect_is_not_the_least_reachable(wide) -> None:
    torch.set_num_threads(1)
    clean = data()
    model, method = Striped(), method_with(2)
    out = rr.round_two(method, model, clean, 0)
    note = method.report_["reach_round2"]
    assert out is model and note["rank"] == 1 and note["action"].startswith("unlearnt again")
    assert signal_asr(out, clean) == 0.0 and note["seconds"] >= 0.0
    for suspect in (0,):  # the least reachable class: the weights stay as they came
        model, method = Striped(), method_with(suspect)
        rr.round_two(method, model, clean, 0)
        assert method.report_["reach_round2"]["rank"] == 0
        assert method.report_["reach_round2"]["action"].startswith("none")
        assert same(model, Striped())


def test_ties_at_the_bottom_leave_the_model_alone(monkeypatch, wide) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(fu, "READ_EPS", 0.01)  # nothing reaches any class: all read 0
    model, method = Striped(), method_with(2)
    rr.round_two(method, model, data(), 0)
    assert method.report_["reach_round2"]["reach"] == [0.0, 0.0, 0.0]
    assert method.report_["reach_round2"]["rank"] == 0 and same(model, Striped())


def test_the_seed_decides_the_weights_and_the_distillation_is_doubled(monkeypatch,
                                                                      wide) -> None:
    torch.set_num_threads(1)
    clean = data()
    a, b, c = Striped(), Striped(), Striped()
    rr.round_two(method_with(2), a, clean, 0)
    rr.round_two(method_with(2), b, clean, 0)
    rr.round_two(method_with(2), c, clean, 1)
    assert same(a, b) and not same(a, c)
    weights: list = []
    real = fu.distil_fit
    monkeypatch.setattr(fu, "distil_fit", lambda *args, **kw: weights.append(kw["distill"])
                        or real(*args, **kw))
    rr.round_two(method_with(2), Striped(), clean, 0)
    assert weights == [rr.ROUND_DISTILL] == [8.0]


def test_gated_runs_the_round_after_the_step_only_when_asked(monkeypatch, wide) -> None:
    """The first round left out (its unlearning a no-op here), so what changes is the round's."""
    torch.set_num_threads(1)
    clean = data()
    monkeypatch.setattr(fu, "unlearn_free", lambda *args, **kw: None)
    for asked in (True, False):
        method = gated.Gated(free_reach=0.5, reach_round2=asked)
        monkeypatch.setattr(method, "_purify_margin", stages(method, True))
        out = free_changed(method, Striped(), clean, 0)
        assert method.report_["free_reach"]["reach"] == 1.0
        if asked:
            assert method.report_["reach_round2"]["rank"] == 1
            assert signal_asr(out, clean) == 0.0
        else:
            assert "reach_round2" not in method.report_ and signal_asr(out, clean) == 1.0


def test_no_round_where_the_step_read_nothing(monkeypatch, wide) -> None:
    """Handed back as it came, no suspect, or fitted back behind a projection: the step skips,
    and so does the round (it is not even called)."""
    torch.set_num_threads(1)
    clean = data()
    called: list = []
    monkeypatch.setattr(rr, "round_two", lambda *args: called.append(1))
    for change, suspect, repaired in ((False, 2, False), (True, None, False), (True, 2, True)):
        method = gated.Gated(reach_round2=True)
        run = stages(method, change, suspect)

        def staged(model, data_, seed, run=run, method=method, repaired=repaired):
            out = run(model, data_, seed)
            method.repaired_ = repaired
            return out

        monkeypatch.setattr(method, "_purify_margin", staged)
        free_changed(method, Striped(), clean, 0)
        assert method.report_["free_reach"]["action"].startswith("skipped")
        assert "reach_round2" not in method.report_
    assert called == []


def test_on_by_default_and_off_where_free_reach_is() -> None:
    """The default since fresh zoos 2449/2450 met its rule (issue 12 stop 54)."""
    assert registry.create("mitigation", "gated").get_params()["reach_round2"] is True
    assert gated.Gated(reach_round2=0).reach_round2 is False
    assert gated.Gated(free_reach=0).reach_round2 is False
    assert gated.Gated(bias_refit=1).reach_round2 is False
    assert gated.Gated(dense_repair=2).reach_round2 is False


@pytest.mark.parametrize("bad", [2, -1, 0.5, math.nan, "yes"])
def test_bad_values_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="reach_round2"):
        gated.Gated(reach_round2=bad)


@pytest.mark.parametrize("given", [{"free_reach": 0}, {"bias_refit": 1}, {"dense_repair": 2}])
def test_asked_for_without_free_reachs_step_is_refused(given) -> None:
    with pytest.raises(ValueError, match="reach_round2"):
        gated.Gated(reach_round2=1, **given)


def test_the_cli_refuses_a_bad_value_in_one_line(clean_run, tmp_path, capsys) -> None:
    refuses_in_one_line(clean_run, tmp_path, capsys, "reach_round2=2")

