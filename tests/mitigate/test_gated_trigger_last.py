"""`gated`'s ``trigger_last`` (issue 12 stop 62, opt-in): last, where ``free_reach``'s step read the
model and the detector's reversed trigger for the suspect still turns the output's clean images,
E epochs of ``free_reach``'s distilling fine-tune towards the output with copies stamped by that
trigger under their true labels. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_residue_last import patch_trigger
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.trigger_last as tl
from trojanscope import registry
from trojanscope.mitigate import gated


def test_the_reading_is_the_share_of_clean_images_the_trigger_turns() -> None:
    clean = data(40)
    patch = Striped(patch=True)
    assert tl.trigger_flip(patch, clean.x, clean.y, 2, patch_trigger()) == 1.0
    deaf = Striped(patch=True)
    with torch.no_grad():
        deaf.out.weight[2, 1] = 0.0  # class 2 no longer reads the patch unit
    assert tl.trigger_flip(deaf, clean.x, clean.y, 2, patch_trigger()) == 0.0
    assert tl.trigger_flip(patch, clean.x, torch.full_like(clean.y, 2), 2,
                           patch_trigger()) == 0.0  # no image outside the suspect


def test_the_step_unlearns_only_at_or_above_the_bar(monkeypatch) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(tl, "unlearn_trigger",
                        lambda model, clean, suspect, seed, epochs, trigger:
                        calls.append((suspect, epochs)))
    clean = data(40)
    for bar, runs in ((1.0, True), (1.01, False)):
        calls.clear()
        monkeypatch.setattr(tl, "TRIGGER_BAR", bar)
        method = gated.Gated(trigger_last=3)
        method.report_ = {"suspect": 2}
        out = Striped(patch=True)
        assert tl.trigger_step(method, out, clean, 0, patch_trigger()) is out
        note = method.report_["trigger_last"]
        assert note["flip"] == 1.0 and note["bar"] == bar and note["epochs"] == 3
        assert calls == ([(2, 3)] if runs else [])
        assert note["action"].startswith("the reversed" if runs else "none")
        assert ("flip_after" in note) is runs


def test_the_option_is_epochs_off_by_default_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["trigger_last"] == 0
    assert gated.Gated(trigger_last=5).trigger_last == 5
    assert gated.Gated(free_reach=0).trigger_last == 0
    for bad in (-1, 21, 1.5, "maybe"):
        with pytest.raises(ValueError, match="trigger_last"):
            gated.Gated(trigger_last=bad)
    with pytest.raises(ValueError, match="trigger_last"):
        gated.Gated(free_reach=0, trigger_last=5)


@pytest.mark.slow
def test_the_unlearning_is_seeded_and_weakens_the_planted_patch() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    a, b = Striped(patch=True), Striped(patch=True)
    tl.unlearn_trigger(a, clean, 2, 0, 3, patch_trigger())
    tl.unlearn_trigger(b, clean, 2, 0, 3, patch_trigger())
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    base = Striped(patch=True)
    stamped = patch_trigger().apply(clean.x)
    with torch.no_grad():
        assert (a(stamped)[:, 2] - a(clean.x)[:, 2]).mean() < \
            (base(stamped)[:, 2] - base(clean.x)[:, 2]).mean()


def test_round_last_runs_one_more_round_only_at_or_above_its_bar(monkeypatch) -> None:
    """``round_last`` (stop 62): the same reading as ``trigger_last``; at or above the option's
    bar, ``free_reach``'s unlearning once more with ``reach_round2``'s distillation weight."""
    import trojanscope.mitigate.round_last as ro

    calls: list[tuple] = []
    monkeypatch.setattr(ro, "unlearn_free", lambda model, clean, suspect, seed, distill:
                        calls.append((suspect, distill)))
    clean = data(40)
    for bar in (1.0, 0.5):
        calls.clear()
        method = gated.Gated(round_last=bar)
        method.report_ = {"suspect": 2}
        out = Striped(patch=True)
        assert ro.round_step(method, out, clean, 0, patch_trigger()) is out
        note = method.report_["round_last"]
        assert note["flip"] == 1.0 and note["bar"] == bar and calls == [(2, 8.0)]
    deaf = Striped(patch=True)
    with torch.no_grad():
        deaf.out.weight[2, 1] = 0.0  # the trigger turns nothing: under any bar above 0
    calls.clear()
    method = gated.Gated(round_last=0.01)
    method.report_ = {"suspect": 2}
    ro.round_step(method, deaf, clean, 0, patch_trigger())
    assert calls == [] and method.report_["round_last"]["action"].startswith("none")


def test_round_last_is_a_bar_off_by_default_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["round_last"] == 0.0
    assert gated.Gated(round_last=0.2).round_last == 0.2
    for bad in (-0.1, 1.5, "maybe"):
        with pytest.raises(ValueError, match="round_last"):
            gated.Gated(round_last=bad)
    with pytest.raises(ValueError, match="round_last"):
        gated.Gated(free_reach=0, round_last=0.2)
