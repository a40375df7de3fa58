"""`gated`'s ``first_read``: where a kept stripe projection's model would be handed back, the
first stage's model comes back instead when ``free_reach``'s reading on it stays under the bar
and the suspect is the least reachable class (issue 12 stop 55, opt-in). Hand-wired models
from ``test_gated_unlearn``."""

from __future__ import annotations

import math

import pytest
import torch
from gated_cli_refusal import refuses_in_one_line
from test_gated_reach_round2 import same, wide  # noqa: F401  (a fixture)
from test_gated_unlearn import Striped, data, two_stages
from test_nothing_left import Marked, flag
from test_stripe_projection import stages_run

import trojanscope.mitigate.first_read as fr
from trojanscope import registry
from trojanscope.mitigate import gated


def method_with(suspect: int, first: torch.nn.Module, bar: float = 0.5) -> gated.Gated:
    method = gated.Gated(first_read=bar)
    method.report_ = {"suspect": suspect}
    method.first_kept_ = first
    return method


@pytest.mark.usefixtures("wide")
def test_the_first_stage_s_model_comes_back_only_under_the_bar_and_at_the_bottom() -> None:
    torch.set_num_threads(1)
    clean, out, first = data(), Striped(), Striped()
    with torch.no_grad():
        first.out.bias[0] += 0.01
    # class 0 is out of reach on the stripe model (reads 0.0, the least): handed back
    method = method_with(0, first)
    assert fr.first_back(method, out, clean) is first
    note = method.report_["first_read"]
    assert note["reach"] == 0.0 and note["rank"] == 0 and note["bar"] == 0.5
    assert note["action"].startswith("the first stage's model") and note["seconds"] >= 0.0
    # class 2 (the stripe unit) is in reach: 1.0 >= the bar, the projected model stays
    method = method_with(2, first)
    assert fr.first_back(method, out, clean) is out
    assert method.report_["first_read"]["reach"] == 1.0
    assert "rank" not in method.report_["first_read"]  # not read past the bar
    method = method_with(2, first, bar=1.0)  # at the bar exactly: kept out
    assert fr.first_back(method, out, clean) is out


@pytest.mark.usefixtures("wide")
def test_a_suspect_that_is_not_the_least_reachable_keeps_the_projected_model(monkeypatch) -> None:
    torch.set_num_threads(1)
    clean, out, first = data(), Striped(), Striped()
    monkeypatch.setattr(fr, "reach_rank", lambda *a: ([0.0, 0.0, 0.0], 1))
    method = method_with(0, first)
    assert fr.first_back(method, out, clean) is out
    assert method.report_["first_read"]["rank"] == 1
    assert "not the least reachable" in method.report_["first_read"]["action"]


def kept_projection(monkeypatch, **params) -> tuple[torch.nn.Module, torch.nn.Module,
                                                      gated.Gated]:
    """`gated` on the stripe model with its projection kept and the probe finding nothing
    left; the first stage marks the model's output bias."""
    model, clean = Striped().eval(), data()
    stages_run(monkeypatch)
    flag(monkeypatch, 0.6)
    method = two_stages(dense_project=1, project_kept=0, **params)
    method.inner = Marked()
    return model, method.apply(model, clean), method


@pytest.mark.parametrize("bar", [0.5, 0.0])
def test_gated_hands_the_first_stage_s_model_back_only_when_asked(monkeypatch, bar) -> None:
    torch.set_num_threads(1)
    model, out, method = kept_projection(monkeypatch, first_read=bar)
    assert method.report_["project"]["directions"] >= 1
    marked = not torch.equal(out.out.bias, model.out.bias)
    assert marked is (bar > 0)  # the first stage's model, else the projected one
    assert ("first_read" in method.report_) is (bar > 0)
    if bar:
        assert method.report_["first_read"]["action"].startswith("the first stage's model")
        assert all(p.requires_grad for p in out.parameters())
        again = kept_projection(monkeypatch, first_read=bar)[1]  # the same weights again
        assert same(out, again)
    else:
        assert method.first_kept_ is None  # off: nothing copied


def test_off_the_weights_are_today_s(monkeypatch) -> None:
    torch.set_num_threads(1)
    off = kept_projection(monkeypatch)[1]
    zero = kept_projection(monkeypatch, first_read=0)[1]
    assert same(off, zero)


def test_nothing_is_kept_beside_project_repair(monkeypatch) -> None:
    torch.set_num_threads(1)
    repaired: list = []
    monkeypatch.setattr(gated.Gated, "_repair_projected",
                        lambda self, *a: repaired.append(1))
    method = kept_projection(monkeypatch, first_read=0.5, project_repair=1)[2]
    assert repaired == [1] and method.first_kept_ is None
    assert "first_read" not in method.report_


def test_off_by_default_and_where_free_reach_is() -> None:
    assert registry.create("mitigation", "gated").get_params()["first_read"] == 0.0
    assert gated.Gated(first_read=0.03).first_read == 0.03
    assert gated.Gated(free_reach=0).first_read == 0.0
    assert gated.Gated(bias_refit=1).first_read == 0.0


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, "yes"])
def test_bad_values_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="first_read"):
        gated.Gated(first_read=bad)


@pytest.mark.parametrize("given", [{"free_reach": 0}, {"bias_refit": 1}, {"dense_repair": 2}])
def test_asked_for_without_free_reachs_step_is_refused(given) -> None:
    with pytest.raises(ValueError, match="first_read"):
        gated.Gated(first_read=0.03, **given)


def test_the_cli_refuses_a_bad_value_in_one_line(clean_run, tmp_path, capsys) -> None:
    refuses_in_one_line(clean_run, tmp_path, capsys, "first_read=2")
