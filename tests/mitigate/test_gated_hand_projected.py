"""`gated`'s ``hand_projected`` (:func:`trojanscope.mitigate.nothing_left.projected_responds`,
opt-in, issue 12 stop 49): a projected model the probe would hand back goes through the second
stage where the detector is sure and the reversed trigger still works on the projected model.
Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data, two_stages
from test_nothing_left import Marked, flag
from test_stripe_projection import stages_run

from trojanscope import registry
from trojanscope.mitigate import residual
from trojanscope.mitigate.nothing_left import projected_responds

torch.set_num_threads(1)

# what the probe read on zoo-2433's badnets-000 (p 1.000; its projection kept, handed back at
# 97.6% ASR) and on zoo-2428's sig-002 (p 0.945): issue 12 stop 49
BADNETS_000 = {"trigger_before": 0.622, "trigger_after": 0.356, "kept": 0.571,
               "perturbation": 0.0}
SIG_002 = {"trigger_before": 0.467, "trigger_after": 0.244, "kept": 0.524, "perturbation": 0.044}


@pytest.mark.parametrize(("probe", "p", "projected", "bar", "floor", "expected"), [
    (BADNETS_000, 1.0, True, 0.9, 0.5, True),
    (BADNETS_000, 1.0, True, 0.9, 0.0, False),                  # off (the default)
    (BADNETS_000, 1.0, True, 0.0, 0.5, False),                  # hand_check off
    (BADNETS_000, 1.0, False, 0.9, 0.5, False),                 # no projection: hand_check's
    (BADNETS_000, 0.388, True, 0.9, 0.5, False),                # under the detector's bar
    (SIG_002, 0.945, True, 0.9, 0.5, False),                    # SIG's weak trigger
    ({**BADNETS_000, "trigger_before": 0.5}, 0.9, True, 0.9, 0.5, True),  # at both bars
])
def test_projected_responds(probe, p, projected, bar, floor, expected) -> None:
    assert projected_responds(probe, p, projected=projected, bar=bar, floor=floor) is expected


@pytest.mark.parametrize(("probe", "floor", "runs"), [
    (BADNETS_000, 0.5, True), (BADNETS_000, 0.0, False), (SIG_002, 0.5, False)])
def test_a_kept_projection_with_the_trigger_working_runs_the_stage(monkeypatch, probe, floor,
                                                                    runs) -> None:
    model, clean = Striped().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(probe))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 1.0)
    method = two_stages(dense_project=1, project_kept=0, hand_projected=floor,
                        candidates=False, check=False)
    method.inner = Marked()
    method.apply(model, clean)
    assert method.report_["project"]["directions"] >= 1
    assert bool(calls) is runs
    assert ("hand_check" in method.report_) is runs
    handed = "the projected model is returned" in method.report_["action"]
    assert handed is not runs
    if runs:
        assert "0.62 >= hand_projected 0.5" in method.report_["hand_check"]


def test_off_by_default() -> None:
    assert registry.create("mitigation", "gated").get_params()["hand_projected"] == 0.0


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_a_bad_hand_projected_is_refused(value) -> None:
    with pytest.raises(ValueError, match="hand_projected"):
        two_stages(hand_projected=value)


def test_projected_undo_runs_both_stages_again_without_the_projection(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(BADNETS_000))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 1.0)
    method = two_stages(dense_project=1, project_kept=0, hand_projected=0.5,
                        projected_undo=True, candidates=False, check=False)
    method.inner = Marked()
    out = method.apply(model, clean)
    note = method.report_["hand_projected"]
    assert "projection is undone" in note["first_run"]["hand_check"]
    assert "project" not in method.report_  # the second run projected nothing
    assert method.dense_project == 1  # the setting itself stays
    assert calls  # no projection: the probe's readings run the stage (hand_check)
    assert not torch.equal(out.out.bias, model.out.bias)


def test_projected_undo_needs_hand_projected() -> None:
    with pytest.raises(ValueError, match="projected_undo"):
        two_stages(projected_undo=True)
