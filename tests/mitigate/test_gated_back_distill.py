"""`gated`'s ``back_distill``: last, a model the stages changed is fitted back towards the input
model's clean outputs (the suspect's column left out), only where the stages cost the suspect
class, and kept only where the free perturbation's reach towards the suspect did not rise
(opt-in, issue 12 stop 53)."""

from __future__ import annotations

import math

import pytest
import torch
from gated_cli_refusal import refuses_in_one_line
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.back_distill as bd
import trojanscope.mitigate.free_unlearn as fu  # the distilling loop back_distill shares
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.back_distill import back_changed, back_step, fit_back, recall_drop


def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())


def shy(suspect: int = 1, by: float = 3.0) -> Striped:
    """The stages' stand-in: the input model with the suspect's logit lowered (it loses most
    of the suspect's images, as a purified MLP does)."""
    model = Striped()
    with torch.no_grad():
        model.out.bias[suspect] -= by
    return model.eval()


def recall(model: torch.nn.Module, suspect: int = 1) -> float:
    clean = data()
    with torch.no_grad():
        return float((model(clean.x[clean.y == suspect]).argmax(1) == suspect).float().mean())


def test_the_recall_reading_is_zero_on_the_same_model_and_the_loss_on_a_shy_one() -> None:
    torch.set_num_threads(1)
    clean, came = data(), Striped().eval()
    assert recall_drop(Striped().eval(), came, clean, 1, 0) == 0.0
    # the input model's own recall on the shifted copies: all of it is lost
    gone = recall_drop(shy(by=50.0), came, clean, 1, 0)
    assert gone > 0.9 and gone == recall_drop(shy(by=80.0), came, clean, 1, 0)
    assert recall_drop(shy(), came, clean, 2, 0) == 0.0  # no clean image of class 2


def test_the_fit_gives_the_suspect_back_and_the_seed_decides(monkeypatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(fu, "LR", 0.05)  # hand-set weights of scale 1-10, not a trained MLP's
    clean, came = data(), Striped().eval()
    a, b, c = shy(), shy(), shy()
    assert recall(a) < 0.5
    fit_back(a, came, clean, 1, 3, seed=0)
    fit_back(b, came, clean, 1, 3, seed=0)
    fit_back(c, came, clean, 1, 3, seed=1)
    assert same(a, b) and not same(a, c)
    assert recall(a) > 0.9


def gate(epochs: int = 1, suspect: int | None = 1):
    method = gated.Gated(back_distill=epochs)
    method.report_ = {"suspect": suspect}
    return method


def test_the_step_runs_only_where_the_stages_cost_the_suspect(monkeypatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(fu, "LR", 0.05)
    monkeypatch.setattr(bd, "universal_reach", lambda *a, **k: 0.0)  # the guard is tested below
    clean, came = data(), Striped().eval()
    method = gate()
    little = shy(by=0.01)
    back_step(method, little, came, clean, 0, unchanged=False)
    note = method.report_["back_distill"]
    assert note["action"].startswith("none") and note["recall_drop"] < bd.BACK_RECALL
    assert same(little, shy(by=0.01))
    method = gate()
    out = back_step(method, shy(), came, clean, 0, unchanged=False)
    note = method.report_["back_distill"]
    assert note["recall_drop"] >= bd.BACK_RECALL and note["action"].startswith("fitted back")
    assert recall(out) > 0.9


def test_a_rise_of_the_reach_towards_the_suspect_keeps_the_stages_model(monkeypatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(fu, "LR", 0.05)
    clean, came = data(), Striped().eval()
    for rise, kept in ((bd.BACK_RISE, False), (bd.BACK_RISE + 0.01, True)):
        reads = iter([0.1, 0.1 + rise])
        monkeypatch.setattr(bd, "universal_reach", lambda *a, reads=reads, **k: next(reads))
        method = gate()
        out = back_step(method, shy(), came, clean, 0, unchanged=False)
        note = method.report_["back_distill"]
        assert note["reach_before"] == 0.1 and note["reach_after"] == round(0.1 + rise, 4)
        assert note["action"].startswith("refused" if kept else "fitted back")
        assert same(out, shy()) == kept


def test_a_model_handed_back_repaired_or_without_a_suspect_is_left_alone() -> None:
    clean, came = data(), Striped().eval()
    for unchanged, repaired, suspect in ((True, False, 1), (False, True, 1), (False, False, None)):
        method = gate(suspect=suspect)
        method.repaired_ = repaired
        out = back_step(method, shy(), came, clean, 0, unchanged=unchanged)
        assert method.report_["back_distill"]["action"].startswith("skipped")
        assert same(out, shy())


def test_the_run_fits_towards_the_model_as_it_came_after_the_stages(monkeypatch) -> None:
    """The stages train the model in place: the teacher is the copy taken before them."""
    torch.set_num_threads(1)
    monkeypatch.setattr(fu, "LR", 0.05)
    monkeypatch.setattr(bd, "universal_reach", lambda *a, **k: 0.0)
    method = gated.Gated(back_distill=2, free_reach=0)

    def stages(model, clean, seed):
        method.report_ = {"action": "treated", "suspect": 1}
        with torch.no_grad():
            model.out.bias[1] -= 3.0
        return model

    monkeypatch.setattr(method, "_purify_margin", stages)
    out = back_changed(method, Striped(), data(), 0)
    assert method.report_["back_distill"]["action"].startswith("fitted back")
    assert recall(out) > 0.9


def test_gated_calls_it_only_when_asked(monkeypatch) -> None:
    calls: list = []
    monkeypatch.setattr(bd, "back_changed", lambda g, m, c, s: calls.append(s) or m)
    for given in ({}, {"back_distill": 0}, {"back_distill": 1}):
        method = gated.Gated(**given)
        monkeypatch.setattr(method, "_purify_margin", lambda m, c, s: m)
        import trojanscope.mitigate.free_unlearn as fu
        monkeypatch.setattr(fu, "free_changed", lambda g, m, c, s: m)
        method.purify(Striped(), data(), len(given) + given.get("back_distill", 5))
    assert calls == [2]


def test_off_by_default() -> None:
    assert registry.create("mitigation", "gated").get_params()["back_distill"] == 0


@pytest.mark.parametrize("bad", [-1, 21, 1.5, math.nan, "yes"])
def test_values_out_of_range_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="back_distill"):
        gated.Gated(back_distill=bad)


def test_it_is_not_combined_with_the_other_last_steps() -> None:
    with pytest.raises(ValueError, match="back_distill"):
        gated.Gated(back_distill=1, bias_refit=1)
    with pytest.raises(ValueError, match="back_distill"):
        gated.Gated(back_distill=1, dense_repair=2)


def test_the_cli_refuses_a_bad_value_in_one_line(clean_run, tmp_path, capsys) -> None:
    refuses_in_one_line(clean_run, tmp_path, capsys, "back_distill=30")
