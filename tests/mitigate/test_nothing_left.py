"""`gated`'s ``sure`` and ``project_first`` (:mod:`trojanscope.mitigate.nothing_left`): what
comes back when the residual probe finds no backdoor left. Hand-wired models from
``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Clean, Striped, data, two_stages
from test_stripe_projection import stages_run
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import gated, residual
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.nothing_left import after_nothing_left

# what the probe read on zoo-2405's blended-006 (p 1.000): its trigger kept 0.61 through FT-SAM
NOTHING = {"trigger_before": 0.8, "trigger_after": 0.489, "kept": 0.611, "perturbation": 0.089}


@pytest.mark.parametrize(("projected", "p", "project_first", "sure", "choice"), [
    (False, 1.0, False, 0.0, "revert"),    # the defaults: the probe decides
    (False, 1.0, False, 0.9, "stage"),     # a sure detector overrules it
    (False, 0.436, True, 0.9, "revert"),   # the highest flagged clean development MLP
    (True, 1.0, False, 0.9, "revert"),     # a kept projection is project_first's, not sure's
    (True, 0.35, True, 0.0, "first"),
    (True, 0.35, True, 0.9, "first"),
])
def test_the_choice(projected, p, project_first, sure, choice) -> None:
    assert after_nothing_left(projected, p, project_first=project_first, sure=sure) == choice


def flag(monkeypatch, p: float) -> None:
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], triggers={}, probability=p)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


@pytest.mark.parametrize(("p", "runs"), [(1.0, True), (0.436, False)])
def test_a_sure_detector_runs_the_second_stage_the_probe_would_skip(monkeypatch, p,
                                                                     runs) -> None:
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(NOTHING))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, p)
    method = two_stages(sure=0.9, dense_project=0, warp=0)
    assert method.get_params()["sure"] == 0.9
    method.apply(model, clean)
    assert bool(calls) is runs
    assert ("overruled" in method.report_) is runs
    assert method.treated is runs  # below sure the probe hands the original back, as before
    if runs:
        assert "p=1.000 >= sure 0.9" in method.report_["overruled"]
    today = two_stages(dense_project=0, warp=0, hand_check=0)  # the probe decides
    calls.clear()
    today.apply(model, clean)
    assert not calls and not today.treated


class Marked(Mitigation):
    """A first stage that changes one output bias only, so its model can be told apart."""

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        with torch.no_grad():
            model.out.bias[0] += 0.01
        return model


@pytest.mark.parametrize("project_first", [True, False])
def test_a_kept_projection_returns_the_first_stage_s_model(monkeypatch, project_first) -> None:
    model, clean = Striped().eval(), data()
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 0.6)
    method = two_stages(dense_project=1, project_kept=0, project_first=project_first)
    method.inner = Marked()
    out = method.apply(model, clean)
    assert method.report_["project"]["directions"] >= 1 and not calls
    marked = not torch.equal(out.out.bias, model.out.bias)
    assert marked is project_first  # the first stage's model, else the projected one
    assert method.treated
    assert ("first stage's model is returned" in method.report_["action"]) is project_first


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_a_bad_sure_is_refused(value) -> None:
    with pytest.raises(ValueError):
        two_stages(sure=value)
