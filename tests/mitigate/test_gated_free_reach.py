"""`gated`'s ``free_reach``: after the stages, a free universal perturbation towards the suspect
is read on the clean images and unlearnt where it still reaches far (opt-in, issue 12 stop 51)."""

from __future__ import annotations

import math

import pytest
import torch
from gated_cli_refusal import refuses_in_one_line
from test_gated_unlearn import Striped, data, signal_asr

import trojanscope.mitigate.free_unlearn as fu
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.free_unlearn import free_changed, universal_reach, unlearn_free


@pytest.fixture
def wide(monkeypatch) -> None:
    """The hand-wired stripe unit needs 0.3 per pixel (the real bars are for MNIST MLPs)."""
    monkeypatch.setattr(fu, "READ_EPS", 0.3)
    monkeypatch.setattr(fu, "EPS", 0.4)
    monkeypatch.setattr(fu, "LR", 0.01)  # hand-set weights of scale 1-10, not a trained MLP's


def test_the_reading_finds_the_stripe_shortcut_and_nothing_on_a_class_of_its_own(wide) -> None:
    torch.set_num_threads(1)
    clean = data()
    model = Striped().eval()
    # a perturbation of 0.3 per pixel lifts the stripe unit past its threshold: class 2
    assert universal_reach(model, clean.x, clean.y, 2) == 1.0
    # no perturbation that small turns a dark image bright (class 1 needs ~0.5 per pixel)
    assert universal_reach(model, clean.x, clean.y, 1, eps=0.05) == 0.0
    assert universal_reach(model, clean.x, clean.y, 2, eps=0.05) == 0.0
    # every image of the suspect class: nothing to read
    assert universal_reach(model, clean.x[:10], torch.full((10,), 2), 2) == 0.0


def test_the_unlearning_removes_the_shortcut_keeps_the_clean_function_and_the_seed_decides(
        wide) -> None:
    torch.set_num_threads(1)
    clean = data()
    a, b = Striped(), Striped()
    assert signal_asr(a, clean) == 1.0
    unlearn_free(a, clean, 2, seed=0)
    unlearn_free(b, clean, 2, seed=0)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    assert signal_asr(a, clean) == 0.0 and universal_reach(a, clean.x, clean.y, 2) == 0.0
    with torch.no_grad():
        acc = float((a(clean.x).argmax(1) == clean.y).float().mean())
    assert acc == 1.0
    c = Striped()
    unlearn_free(c, clean, 2, seed=1)
    assert not torch.equal(a.hidden.weight, c.hidden.weight)


def stages(method: gated.Gated, change: bool, suspect: int | None = 2):
    """A stand-in for `gated`'s stages: the model comes back changed (or not), ``suspect``."""

    def run_stages(model, clean, seed):
        method.report_ = {"action": "treated", "suspect": suspect}
        if change:
            with torch.no_grad():
                model.out.bias += 0.01
        return model

    return run_stages


def test_the_step_reads_then_unlearns_only_past_the_bar(monkeypatch, wide) -> None:
    torch.set_num_threads(1)
    clean = data()
    method = gated.Gated(free_reach=0.5)
    monkeypatch.setattr(method, "_purify_margin", stages(method, True))
    out = free_changed(method, Striped(), clean, 0)
    note = method.report_["free_reach"]
    assert note["reach"] == 1.0 and note["action"].startswith("a free universal")
    assert signal_asr(out, clean) < 1.0

    method = gated.Gated(free_reach=1.0)  # reach 1.0 is at the bar: unlearnt
    monkeypatch.setattr(method, "_purify_margin", stages(method, True))
    free_changed(method, Striped(), clean, 0)
    assert method.report_["free_reach"]["action"].startswith("a free universal")

    monkeypatch.setattr(fu, "READ_EPS", 0.05)  # too small to lift the stripe unit
    method = gated.Gated(free_reach=0.5)
    monkeypatch.setattr(method, "_purify_margin", stages(method, True))
    out = free_changed(method, Striped(), clean, 0)
    assert method.report_["free_reach"]["reach"] == 0.0
    assert method.report_["free_reach"]["action"].startswith("none")
    assert signal_asr(out, clean) == 1.0


def test_a_model_handed_back_or_without_a_suspect_is_left_alone(monkeypatch, wide) -> None:
    torch.set_num_threads(1)
    clean = data()
    for change, suspect in ((False, 2), (True, None)):
        method = gated.Gated(free_reach=0.1)
        monkeypatch.setattr(method, "_purify_margin", stages(method, change, suspect))
        out = free_changed(method, Striped(), clean, 0)
        assert method.report_["free_reach"]["action"].startswith("skipped")
        assert signal_asr(out, clean) == 1.0


def test_the_step_alone_on_another_model_does_what_the_run_did(monkeypatch, wide) -> None:
    """``free_step`` is the run's own step (a benchmark applies it to a copy taken earlier in
    the same run: ``check_project_repair.py``): the same model, seed and suspect give the same
    weights and note, and its seconds are in the note."""
    torch.set_num_threads(1)
    clean = data()
    method = gated.Gated(free_reach=0.5)
    monkeypatch.setattr(method, "_purify_margin", stages(method, True))
    out = free_changed(method, Striped(), clean, 0)
    ran = dict(method.report_["free_reach"])
    copy = Striped()
    with torch.no_grad():
        copy.out.bias += 0.01  # the stand-in stages' change
    again = fu.free_step(method, copy, clean, 0, unchanged=False)
    assert again is copy
    assert all(torch.equal(out.state_dict()[k], copy.state_dict()[k]) for k in out.state_dict())
    note = method.report_["free_reach"]
    assert note["reach"] == ran["reach"] == 1.0 and note["action"] == ran["action"]
    assert note["seconds"] >= 0.0 and ran["seconds"] >= 0.0
    left = Striped()
    fu.free_step(method, left, clean, 0, unchanged=True)  # handed back as it came: no reading
    assert method.report_["free_reach"] == {"action": "skipped: the model comes back as it came"}
    assert signal_asr(left, clean) == 1.0


def test_a_model_fitted_back_behind_its_projection_is_left_alone(monkeypatch, wide) -> None:
    """``project_repair``'s striped copies stand in for the step (issue 12 stop 52): where the
    run repaired its projected model the step reads nothing; elsewhere it runs as before."""
    torch.set_num_threads(1)
    clean = data()
    for repaired in (True, False):
        method = gated.Gated(free_reach=0.5)
        run = stages(method, True)

        def repairing(model, data_, seed, run=run, repaired=repaired, method=method):
            out = run(model, data_, seed)
            method.repaired_ = repaired
            return out

        monkeypatch.setattr(method, "_purify_margin", repairing)
        out = free_changed(method, Striped(), clean, 0)
        note = method.report_["free_reach"]
        if repaired:
            assert note == {"action": "skipped: fitted back behind its projection "
                                      "(project_repair)"}
            assert signal_asr(out, clean) == 1.0
        else:
            assert note["action"].startswith("a free universal")
            assert signal_asr(out, clean) < 1.0


def test_gated_calls_it_by_default_and_not_when_off(monkeypatch) -> None:
    calls: list = []
    monkeypatch.setattr(fu, "free_changed", lambda g, m, c, s: calls.append(s) or m)
    for given in ({"free_reach": 0.0}, {}, {"free_reach": 0.3}, {"bias_refit": 1}):
        method = gated.Gated(**given)
        monkeypatch.setattr(method, "_purify_margin", lambda m, c, s: m)
        if given.get("bias_refit"):  # the other last step runs instead
            monkeypatch.setattr(method, "_purify_margin", lambda m, c, s: m)
            import trojanscope.mitigate.bias_refit as br
            monkeypatch.setattr(br, "refit_changed", lambda g, m, c, s: m)
        method.purify(Striped(), data(), len(given))
    assert calls == [0, 1]


def test_on_by_default_at_the_rules_bar_and_off_beside_the_other_last_steps() -> None:
    assert registry.create("mitigation", "gated").get_params()["free_reach"] == 0.15
    assert gated.Gated(free_reach=0).free_reach == 0.0
    assert gated.Gated(bias_refit=1).free_reach == 0.0
    assert gated.Gated(dense_repair=2).free_reach == 0.0


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, "yes"])
def test_values_out_of_range_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="free_reach"):
        gated.Gated(free_reach=bad)


def test_a_value_asked_for_with_the_other_last_steps_is_refused() -> None:
    with pytest.raises(ValueError, match="free_reach"):
        gated.Gated(free_reach=0.2, bias_refit=1)
    with pytest.raises(ValueError, match="free_reach"):
        gated.Gated(free_reach=0.2, dense_repair=2)


def test_the_cli_refuses_a_bad_value_in_one_line(clean_run, tmp_path, capsys) -> None:
    refuses_in_one_line(clean_run, tmp_path, capsys, "free_reach=2")
