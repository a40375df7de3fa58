"""`gated`'s ``bias_refit``: the output bias alone shifted back to the input model's class
shares after the stages, the suspect's raise capped by its pull (opt-in, issue 12 stop 50)."""

from __future__ import annotations

import math

import pytest
import torch
from gated_cli_refusal import refuses_in_one_line
from test_gated_unlearn import Striped, data
from torch import nn

from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.bias_refit import cap_suspect, fit_shift, refit_bias, refit_changed


def test_the_shift_brings_the_class_shares_back() -> None:
    torch.set_num_threads(1)
    logits = torch.zeros(40, 3)
    target = torch.tensor([0.5, 0.3, 0.2]).repeat(40, 1)
    shift = fit_shift(logits, target, steps=400)
    assert abs(float(shift.mean())) < 1e-5
    got = torch.softmax(shift, 0)
    assert torch.allclose(got, target[0], atol=0.02)


def test_the_suspect_is_lowered_until_its_pull_is_under_the_cap() -> None:
    # three classes; class 2 (the suspect) takes every image once raised by more than 0.6
    y = torch.tensor([0, 0, 1, 1] * 10)
    logits = torch.zeros(40, 3)
    logits[torch.arange(40), y] = 1.0
    logits[:, 2] = 0.4
    delta = torch.tensor([0.0, 0.0, 2.0])
    capped, read = cap_suspect(delta, logits, y, 2, cap=1.0)
    assert read <= 1.0 and float(capped[2]) == 0.5
    assert torch.equal(capped[:2], delta[:2])
    # never below no raise: a pull that stays high leaves the suspect at 0
    logits[:, 2] = 5.0
    capped, read = cap_suspect(delta, logits, y, 2, cap=1.0)
    assert float(capped[2]) == 0.0 and read > 1.0


def lowered() -> nn.Module:
    """A Striped model whose bright class lost its share (as the stages' cost stands in)."""
    model = Striped()
    with torch.no_grad():
        model.out.bias += torch.tensor([3.0, -3.0, 0.0])
    return model


def test_only_the_output_bias_moves_and_the_seed_decides() -> None:
    torch.set_num_threads(1)
    clean, teacher = data(), frozen_copy(Striped().eval())
    a, b = lowered(), lowered()
    weights = {k: v.clone() for k, v in a.state_dict().items() if k != "out.bias"}
    before = float((a(clean.x).argmax(1) == clean.y).float().mean())
    note = refit_bias(a, teacher, clean, seed=0, suspect=None)
    refit_bias(b, teacher, clean, seed=0, suspect=None)
    assert note["action"].startswith("output bias refitted")
    assert all(torch.equal(a.state_dict()[k], v) for k, v in weights.items())
    assert torch.equal(a.out.bias, b.out.bias)
    after = float((a(clean.x).argmax(1) == clean.y).float().mean())
    assert after > before


def test_a_model_without_a_linear_output_is_left_alone() -> None:
    torch.set_num_threads(1)
    model = nn.Sequential(Striped(), nn.Softmax(dim=1)).eval()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    note = refit_bias(model, frozen_copy(model), data(), seed=0, suspect=2)
    assert note["action"].startswith("skipped")
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


def stages_changing(method: gated.Gated):
    """A stand-in for `gated`'s stages: the model comes back changed, suspect 2."""

    def changed(model, clean, seed):
        method.report_ = {"action": "treated", "suspect": 2}
        with torch.no_grad():
            model.hidden.bias += 0.01
        return model

    return changed


def test_a_model_handed_back_as_it_came_is_not_refitted(monkeypatch) -> None:
    torch.set_num_threads(1)
    method = gated.Gated(bias_refit=1)

    def as_it_came(model, clean, seed):
        method.report_ = {"action": "not treated"}
        return model

    monkeypatch.setattr(method, "_purify_margin", as_it_came)
    model = lowered()
    out = refit_changed(method, model, data(), 0)
    assert method.report_["bias_refit"]["action"].startswith("skipped")
    assert torch.equal(out.out.bias, lowered().out.bias)

    monkeypatch.setattr(method, "_purify_margin", stages_changing(method))
    refit_changed(method, Striped(), data(), 0)  # the original classifies every clean image
    assert method.report_["bias_refit"]["suspect"] == 2


def test_gated_calls_it_only_when_asked(monkeypatch) -> None:
    import trojanscope.mitigate.bias_refit as br

    calls: list = []
    monkeypatch.setattr(br, "refit_changed", lambda g, m, c, s: calls.append(s) or m)
    for asked in (0, 1):
        method = gated.Gated(bias_refit=asked, **({} if asked else {"free_reach": 0}))
        monkeypatch.setattr(method, "_purify_margin", lambda m, c, s: m)
        method.purify(Striped(), data(), 3)
    assert calls == [3]


def test_off_by_default() -> None:
    assert registry.create("mitigation", "gated").get_params()["bias_refit"] is False


@pytest.mark.parametrize("bad", [2, -1, 0.5, math.nan, "yes"])
def test_values_other_than_on_or_off_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="bias_refit"):
        gated.Gated(bias_refit=bad)


def test_the_cli_refuses_a_bad_value_in_one_line(clean_run, tmp_path, capsys) -> None:
    refuses_in_one_line(clean_run, tmp_path, capsys, "bias_refit=2")


def test_an_original_under_the_dense_teacher_bar_is_not_refitted(monkeypatch) -> None:
    torch.set_num_threads(1)
    method = gated.Gated(bias_refit=1, dense_teacher=1.0)  # no model classifies above 1.0

    monkeypatch.setattr(method, "_purify_margin", stages_changing(method))
    out = refit_changed(method, lowered(), data(), 0)
    assert "dense_teacher" in method.report_["bias_refit"]["action"]
    assert torch.equal(out.out.bias, lowered().out.bias)
