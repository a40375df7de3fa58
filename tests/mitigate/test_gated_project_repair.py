"""`gated`'s ``project_repair``: a projected model handed back is fitted behind its frozen first
layer (opt-in, issue 12 stop 49)."""

from __future__ import annotations

import math

import pytest
import torch
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Striped, data
from torch import nn

from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.project_repair import repair_behind


def moved() -> nn.Module:
    """A Striped model whose output layer drifted (as a projection's cost stands in here)."""
    model = Striped()
    with torch.no_grad():
        model.out.bias += torch.tensor([2.0, -2.0, 0.0])
    return model


def same(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                 b.state_dict().values(), strict=True))


def test_the_first_layer_stays_and_the_rest_is_fitted_back_from_the_seed() -> None:
    torch.set_num_threads(1)
    clean, teacher = data(), frozen_copy(Striped().eval())
    a, b = moved(), moved()
    first = a.hidden.weight.detach().clone(), a.hidden.bias.detach().clone()
    out = a.out.weight.detach().clone()
    note = repair_behind(a, teacher, clean, 2, seed=0, suspect=2, eps=0.3)
    repair_behind(b, teacher, clean, 2, seed=0, suspect=2, eps=0.3)
    assert note["epochs"] == 2
    assert torch.equal(a.hidden.weight, first[0]) and torch.equal(a.hidden.bias, first[1])
    assert not torch.equal(a.out.weight, out)
    assert same(a, b)
    assert all(p.requires_grad for p in a.parameters())


def test_each_batch_carries_striped_copies_towards_the_suspect(monkeypatch) -> None:
    import trojanscope.mitigate.project_repair as pr

    seen: list = []
    real = pr.striped_perturbation

    def watched(net, x, target, eps, steps):
        seen.append((target, eps, steps, len(x)))
        return real(net, x, target, eps, steps)

    monkeypatch.setattr(pr, "striped_perturbation", watched)
    torch.set_num_threads(1)
    clean, teacher = data(), frozen_copy(Striped().eval())
    repair_behind(moved(), teacher, clean, 1, seed=0, suspect=2, eps=0.3)
    assert seen and all(s[:3] == (2, 0.3, pr.STRIPE_STEPS) for s in seen)
    seen.clear()
    repair_behind(moved(), teacher, clean, 1, seed=0, suspect=None, eps=0.3)
    assert seen == []


def test_a_model_without_a_first_linear_is_left_alone() -> None:
    torch.set_num_threads(1)
    model = Convolutional().eval()
    before = frozen_copy(model)
    note = repair_behind(model, frozen_copy(model), data(), 2, seed=0, suspect=2, eps=0.3)
    assert note["action"].startswith("skipped") and same(model, before)


def test_the_gated_note_and_the_missing_teacher() -> None:
    torch.set_num_threads(1)
    method = gated.Gated(project_repair=2)
    method.report_ = {"suspect": 2, "action": "treated: projected"}
    method.unprojected_ = frozen_copy(Striped().eval())
    model = moved()
    method.repaired_ = False
    method._repair_projected(model, data(), 0)
    assert method.report_["project_repair"]["epochs"] == 2
    assert "project_repair" in method.report_["action"]
    assert method.repaired_  # free_reach's step then leaves the model alone (stop 52)
    method.unprojected_ = None
    method.repaired_ = False
    method._repair_projected(model, data(), 0)
    assert method.report_["project_repair"]["action"].startswith("skipped")
    assert not method.repaired_


def test_off_by_default() -> None:
    assert registry.create("mitigation", "gated").get_params()["project_repair"] == 0


@pytest.mark.parametrize("bad", [-1, 51, 1.5, math.nan])
def test_values_outside_their_range_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="project_repair"):
        gated.Gated(project_repair=bad)
