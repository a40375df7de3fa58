"""`gated`'s ``dense_project`` (:mod:`trojanscope.mitigate.stripe_projection`): a striped shortcut
is projected out of a dense model's first layer with no weight trained, the clean function kept;
a model whose first layer is a convolution, or a backdoor the projection does not remove, goes on
to the two stages as before. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import (
    PATCH,
    SIDE,
    Striped,
    data,
    flagged,
    signal_asr,
    stripes,
    two_stages,
)
from torch import nn

from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import adaptive, gated, gated_projection
from trojanscope.mitigate.stripe_projection import first_linear, project_out, project_stripes


def accuracy(model: nn.Module, clean) -> float:
    with torch.no_grad():
        return float((model(clean.x).argmax(1) == clean.y).float().mean())


def stages_run(monkeypatch) -> list[int]:
    """The second stage replaced by one that counts its calls and changes nothing."""
    calls: list[int] = []

    def unlearn(self, model, *args, **kwargs):
        calls.append(1)
        return model

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    return calls


def test_a_striped_shortcut_is_projected_out_without_training(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    assert signal_asr(model, clean) == 1.0
    calls = stages_run(monkeypatch)
    flagged(monkeypatch)  # no reversed trigger: the stripe is found from the model alone
    method = two_stages(unlearn=True, dense_project=1, project_kept=0)  # the plain projection
    out = method.apply(model, clean)
    assert signal_asr(out, clean) < 0.1
    assert accuracy(out, clean) > 0.95
    assert method.report_["project"]["directions"] >= 1
    assert method.report_["project"]["reach"][0] >= 0.2 > method.report_["project"]["reach"][-1]
    # the probe finds nothing left on the projected model: it is returned, no stage trained
    assert method.treated and not calls
    assert torch.equal(out.out.weight, model.out.weight)  # only the first layer changed


def test_without_the_projection_the_same_model_keeps_its_stripe(monkeypatch) -> None:
    calls = stages_run(monkeypatch)  # a stage that changes nothing
    flagged(monkeypatch)
    method = two_stages(unlearn=True)
    clean = data()
    out = method.apply(Striped().eval(), clean)
    assert signal_asr(out, clean) == 1.0 and calls == [1]


def test_without_the_option_the_stages_run_as_before(monkeypatch) -> None:
    calls = stages_run(monkeypatch)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, dense_project=0)
    method.apply(Striped().eval(), data())
    assert "project" not in method.report_ and calls == [1]


def test_a_convolutional_model_is_not_projected(monkeypatch) -> None:
    calls = stages_run(monkeypatch)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, dense_project=1)
    method.apply(Convolutional().eval(), data())
    assert calls == [1]
    # asked for, not done: the report says so (before stop 34 it said nothing)
    assert method.report_["project"] == {
        "action": "skipped: dense_project=1 applies to dense models only (no convolution, "
        "and a Linear the first weights the model uses); this model is not one"
    }


def test_project_next_given_on_a_convolutional_model_is_said_skipped(monkeypatch) -> None:
    # stop 74's second review (hrev2): project_next alone given was dropped without a word
    stages_run(monkeypatch)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, project_next=2)
    method.apply(Convolutional().eval(), data())
    assert method.report_["project"]["action"].startswith(
        "skipped: project_next=2 applies to dense models only")


@pytest.mark.parametrize("asked", [2, 3])  # 2, the default's value, asked for: a note too
@pytest.mark.parametrize(
    ("params", "words"),
    [({"unlearn": False}, "unlearn=1"), ({"unlearn": False, "force": True}, "unlearn=1")],
)
def test_a_projection_without_the_second_stage_is_a_note(monkeypatch, params, words,
                                                          asked) -> None:
    flagged(monkeypatch)
    method = two_stages(dense_project=asked, **params)
    method.apply(Striped().eval(), data())
    assert method.report_["project"]["action"].startswith(f"skipped: dense_project={asked}")
    assert words in method.report_["project"]["action"]


def test_the_default_projection_where_it_cannot_apply_says_nothing(monkeypatch) -> None:
    flagged(monkeypatch)
    method = two_stages(unlearn=False)
    method.apply(Striped().eval(), data())
    assert "project" not in method.report_


class FunctionalFirst(nn.Module):
    """A functional ``conv2d`` (weights held by the model itself) before the striped MLP: not
    a dense network, and its first entered module with weights is not a Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, 1, 3, 3))  # passes the image through
        with torch.no_grad():
            self.weight[0, 0, 1, 1] = 1.0
        self.mlp = Striped()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(nn.functional.conv2d(x, self.weight, padding=1))


def test_first_linear_is_the_first_module_entered_not_finished() -> None:
    """Review of stop 37: forward hooks record modules as they finish, so on a model running
    a functional conv first the model (or its head) came first; entry order is the input's."""
    model = FunctionalFirst().eval()
    assert first_linear(model, data().x[:2]) is None
    outer = nn.Sequential(nn.Sequential(nn.Flatten(), nn.Linear(SIDE * SIDE, 4)), nn.Linear(4, 3))
    assert first_linear(outer, data().x[:2]) is outer[0][1]


def test_a_functional_convolution_is_not_projected(monkeypatch) -> None:
    calls = stages_run(monkeypatch)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, dense_project=1)
    method.apply(FunctionalFirst().eval(), data())
    assert calls == [1]
    assert "applies to dense models only" in method.report_["project"]["action"]


class NormFirst(Striped):
    """The striped MLP behind a BatchNorm: dense, but no Linear is entered first."""

    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(self.norm(x))


def test_a_dense_model_with_no_layer_to_project_says_so(monkeypatch) -> None:
    stages_run(monkeypatch)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False)
    method.apply(NormFirst().eval(), data())
    assert method.report_["project"]["action"].startswith("skipped: no layer could be projected")


def test_the_default_projects_a_stripe_and_keeps_it(monkeypatch) -> None:
    # issue 12 stop 37: dense_project=2, project_kept=0.72 are the defaults since seed 2402
    assert (gated.Gated().dense_project, gated.Gated().project_kept) == (2, 0.72)
    model, clean = Striped().eval(), data()
    stages_run(monkeypatch)
    flagged(monkeypatch, {2: stripe_trigger()})
    method = two_stages(unlearn=True)
    out = method.apply(model, clean)
    project = method.report_["project"]
    assert "action" not in project and project["trigger"] < 0.72
    assert project["directions"] >= 1 and signal_asr(out, clean) < 0.1


def test_the_default_undoes_the_projection_of_a_patch(monkeypatch) -> None:
    model, clean = Striped(patch=True).eval(), data()
    original = {k: v.clone() for k, v in model.state_dict().items()}
    calls = stages_run(monkeypatch)
    flagged(monkeypatch, {2: patch_trigger()})
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False)
    method.apply(model, clean)
    assert method.report_["project"]["action"].startswith("undone: ")
    assert method.report_["project"]["directions"] == 0 and calls == [1]
    for k, v in model.state_dict().items():
        assert torch.equal(v, original[k]), k


@pytest.mark.parametrize("params", [{}, {"unlearn": False}])
def test_the_default_says_nothing_where_it_does_not_apply(monkeypatch, params) -> None:
    stages_run(monkeypatch)
    flagged(monkeypatch)
    method = two_stages(kept=1.01, warp=0, candidates=False, **params)
    method.apply(Convolutional().eval(), data())
    assert "project" not in method.report_


def test_a_projection_on_non_images_is_a_note(monkeypatch) -> None:
    from trojanscope.data.dataset import TensorDataset

    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, dense_project=1)
    rows = TensorDataset(torch.rand(80, 6), torch.arange(80) % 3, ["a", "b", "c"], "rows", "test")
    model = nn.Sequential(nn.Linear(6, 3)).eval()
    method.apply(model, rows)
    assert "images only" in method.report_["project"]["action"]


def test_a_patch_backdoor_goes_on_to_the_stages(monkeypatch) -> None:
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    trigger = ReversedTrigger(target=2, mask=mask, pattern=torch.ones(1, SIDE, SIDE))
    calls = stages_run(monkeypatch)
    flagged(monkeypatch, {2: trigger})
    method = two_stages(
        unlearn=True, kept=1.01, warp=0, candidates=False, dense_project=1, project_kept=0
    )
    method.apply(Striped(patch=True).eval(), data())
    assert method.report_["project"]["trigger"] == 1.0  # the patch is not a stripe
    assert calls == [1]


def test_project_out_blinds_the_layer_to_the_direction_and_keeps_the_mean() -> None:
    layer = nn.Linear(6, 3)
    u = torch.nn.functional.normalize(torch.arange(6.0) - 2.5, dim=0)
    mean = torch.rand(6)
    before = layer(mean)
    project_out(layer, u, mean)
    with torch.no_grad():
        assert torch.allclose(layer(mean), before, atol=1e-6)
        assert torch.allclose(layer(mean + 3 * u), layer(mean), atol=1e-5)


def test_no_dense_first_layer_no_projection() -> None:
    clean = data()
    assert first_linear(Convolutional().eval(), clean.x[:2]) is None
    assert isinstance(first_linear(Striped().eval(), clean.x[:2]), nn.Linear)
    out = project_stripes(Convolutional().eval(), clean, clean, 2, 0.3, 4, 0.2)
    assert out == {"reach": [], "directions": 0}


@pytest.mark.parametrize("bad", [-1, 1.5, 29])
def test_dense_project_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="dense_project"):
        gated.Gated(dense_project=bad)


def patch_trigger() -> ReversedTrigger:
    """The reversed trigger of ``Striped(patch=True)``'s patch backdoor (class 2)."""
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    return ReversedTrigger(target=2, mask=mask, pattern=torch.ones(1, SIDE, SIDE))


def test_project_kept_undoes_a_projection_the_patch_trigger_survives(monkeypatch) -> None:
    model = Striped(patch=True).eval()
    calls = stages_run(monkeypatch)
    flagged(monkeypatch, {2: patch_trigger()})

    def project(model, *args, **kwargs):  # a far-reaching stripe whose projection leaves the
        with torch.no_grad():  # patch unit alone (the brightness unit moved)
            model.hidden.weight[0] *= 1.1
        return {"reach": [0.9, 0.0], "directions": 1}

    monkeypatch.setattr(gated_projection, "project_stripes", project)
    method = two_stages(
        unlearn=True, kept=1.01, warp=0, candidates=False, dense_project=1, project_kept=0.72
    )
    seen: list[nn.Module] = []
    monkeypatch.setattr(
        adaptive.Adaptive,
        "unlearn",
        lambda self, m, *a, **k: seen.append(m) or calls.append(1) or m,
    )
    method.apply(model, data())
    project = method.report_["project"]
    assert project["trigger_projected"] == 1.0 and project["directions"] == 0
    assert "trigger" not in project and "reach" not in project
    assert project["action"].startswith("undone: the reversed trigger kept 1.00")
    # the stages start from the original weights, as without the option
    assert calls == [1]
    assert torch.equal(first_linear(seen[0], data().x[:2]).weight, model.hidden.weight)


def stripe_trigger(alpha: float = 0.5) -> ReversedTrigger:
    """A reversed trigger of ``Striped``'s stripe backdoor (class 2): the stripes blended in."""
    return ReversedTrigger(
        target=2, mask=torch.full((1, SIDE, SIDE), alpha), pattern=(stripes() > 0).float()
    )


def test_project_kept_keeps_the_projection_of_a_stripe(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    stages_run(monkeypatch)
    flagged(monkeypatch, {2: stripe_trigger()})  # the stripe's trigger goes with the projection
    method = two_stages(unlearn=True, dense_project=1, project_kept=0.72)
    out = method.apply(model, clean)
    project = method.report_["project"]
    assert "action" not in project and project["trigger"] < 0.72
    assert project["directions"] >= 1 and signal_asr(out, clean) < 0.1


def test_project_kept_without_a_reversed_trigger_undoes_the_projection(monkeypatch) -> None:
    # hR4 item 6: no trigger is no evidence (the residual probe's 1.0), not "stripe removed"
    model, clean = Striped().eval(), data()
    original = model.hidden.weight.clone()
    calls = stages_run(monkeypatch)
    flagged(monkeypatch)  # the stripe reaches far, but no trigger tells it from another backdoor
    method = two_stages(unlearn=True, kept=1.01, dense_project=1, project_kept=0.72)
    method.apply(model, clean)
    project = method.report_["project"]
    assert project["action"].startswith("undone: no reversed trigger")
    assert project["directions"] == 0 and calls == [1]
    assert torch.equal(model.hidden.weight, original)
    assert "reach" not in project and project["reach_projected"][0] >= 0.35


def test_project_kept_with_a_trigger_below_min_before_undoes_the_projection(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    calls = stages_run(monkeypatch)
    # a faint stripe that moves no image on the original: no evidence either way
    flagged(monkeypatch, {2: stripe_trigger(alpha=0.05)})
    method = two_stages(unlearn=True, kept=1.01, dense_project=1, project_kept=0.72)
    method.apply(model, clean)
    project = method.report_["project"]
    assert "(no evidence)" in project["action"] and project["directions"] == 0
    assert calls == [1] and "trigger" not in project and "trigger_projected" in project


def test_project_kept_undoes_a_projection_that_reached_little(monkeypatch) -> None:
    flagged(monkeypatch)
    calls = stages_run(monkeypatch)
    model = Striped().eval()
    original = {k: v.clone() for k, v in model.state_dict().items()}

    def project(model, *args, **kwargs):  # changes a weight, as a projection does
        with torch.no_grad():
            model.hidden.weight[1] *= 0.0
        return {"reach": [0.2, 0.0], "directions": 1}

    monkeypatch.setattr(gated_projection, "project_stripes", project)
    seen: list[nn.Module] = []
    monkeypatch.setattr(
        adaptive.Adaptive,
        "unlearn",
        lambda self, m, *a, **k: seen.append(m) or calls.append(1) or m,
    )
    method = two_stages(unlearn=True, kept=1.01, dense_project=1, project_kept=0.72)
    method.apply(model, data())
    assert method.report_["project"]["action"].startswith(
        "undone: the stripe reached 0.20 < 0.35 on the original"
    )
    # the original weights are restored before the stages
    assert calls == [1]
    for k, v in seen[0].state_dict().items():
        assert torch.equal(v, original[k]), k


def test_project_kept_without_dense_project_is_refused() -> None:
    with pytest.raises(ValueError, match="project_kept reads dense_project's projection"):
        gated.Gated(project_kept=0.5, dense_project=0)
    gated.Gated(project_kept=0.5, dense_project=2)  # together: accepted
    gated.Gated(dense_project=0)  # the default project_kept is ignored without a projection
    with pytest.raises(ValueError, match="project_kept reads"):  # the default's value, given
        gated.Gated(project_kept=0.72, dense_project=0)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_project_kept_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="project_kept"):
        gated.Gated(project_kept=bad)
