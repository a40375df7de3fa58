"""`gated`'s ``project_cost`` (:mod:`trojanscope.mitigate.project_cost`): the first stage's
model instead of the projected one where a kept stripe projection cost accuracy on the method's
clean images. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from test_gated_unlearn import Striped, data, two_stages
from test_nothing_left import Marked, flag
from test_stripe_projection import stages_run

from trojanscope.mitigate import project_cost

TRIGGER = SimpleNamespace(target=3, apply=lambda x: x)


@pytest.mark.parametrize(("bar", "cost", "flip", "fires"), [
    (0.025, 0.045, 0.033, True),   # 2492/sig-007's readings
    (0.025, 0.025, 0.039, True),   # 2467/sig-002's: a cost at the bar counts
    (0.025, 0.035, 0.094, False),  # 2469/sig-007's: teach_last fits and gives it back
    (0.025, 0.02, 0.0, False),     # 2465/sig-007's cost
    (0.0, 0.045, 0.0, False),      # off
    (0.025, None, 0.0, False),     # no cost read (no projection kept)
])
def test_first_instead(monkeypatch, bar, cost, flip, fires) -> None:
    monkeypatch.setattr(project_cost, "sent_share", lambda *a: flip)
    project = {} if cost is None else {"cost": cost}
    g = SimpleNamespace(project_cost=bar, report_={"project": project})
    assert project_cost.first_instead(g, Striped(), data(), TRIGGER) is fires
    assert ("flip" in project) is (bar > 0 and cost is not None and cost >= bar)


def test_no_reversed_trigger_reads_as_no_flip(monkeypatch) -> None:
    def refuse(*a):
        raise AssertionError("read a trigger that is not there")

    monkeypatch.setattr(project_cost, "sent_share", refuse)
    g = SimpleNamespace(project_cost=0.025, report_={"project": {"cost": 0.03}})
    assert project_cost.first_instead(g, Striped(), data(), None)  # teach_last skips too
    assert g.report_["project"]["flip"] == 0.0


def test_the_flip_bar_is_teach_last_s() -> None:
    from trojanscope.mitigate.teach_last import TEACH_FLIP

    assert project_cost.FLIP == TEACH_FLIP


def test_the_cost_is_recorded_only_for_a_kept_projection(monkeypatch) -> None:
    monkeypatch.setattr(project_cost, "accuracy", lambda *a: 0.88)
    clean = data()
    kept: dict = {"directions": 2}
    project_cost.record(kept, 0.925, None, clean)
    assert kept["cost"] == pytest.approx(0.045)
    undone: dict = {"directions": 0}
    project_cost.record(undone, 0.925, None, clean)
    assert "cost" not in undone
    off: dict = {"directions": 2}
    project_cost.record(off, None, None, clean)  # project_cost=0: nothing read before
    assert "cost" not in off


@pytest.mark.parametrize(("readings", "first"), [((0.9, 0.85), True), ((0.9, 0.89), False)])
def test_a_costly_projection_hands_back_the_first_stage_s_model(monkeypatch, readings,
                                                                first) -> None:
    seq = iter(readings)  # the accuracy before the projection, then after it
    monkeypatch.setattr(project_cost, "accuracy", lambda *a: next(seq))
    model, clean = Striped().eval(), data()
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 0.6)
    method = two_stages(dense_project=1, project_kept=0, project_cost=0.025)
    assert method.get_params()["project_cost"] == 0.025
    method.inner = Marked()
    out = method.apply(model, clean)
    assert method.report_["project"]["directions"] >= 1 and not calls
    assert method.report_["project"]["cost"] == pytest.approx(readings[0] - readings[1])
    marked = not torch.equal(out.out.bias, model.out.bias)
    assert marked is first  # the first stage's model, else the projected one
    assert ("project_cost" in method.report_["unlearn"]["action"]) is first


def test_off_reads_nothing(monkeypatch) -> None:
    def refuse(*a):
        raise AssertionError("project_cost=0 read an accuracy")

    monkeypatch.setattr(project_cost, "accuracy", refuse)
    stages_run(monkeypatch)
    flag(monkeypatch, 0.6)
    method = two_stages(dense_project=1, project_kept=0)
    method.inner = Marked()
    method.apply(Striped().eval(), data())
    assert "cost" not in method.report_["project"]


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_a_bad_project_cost_is_refused(value) -> None:
    with pytest.raises(ValueError):
        two_stages(project_cost=value)
