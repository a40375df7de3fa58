"""`gated`'s ``residue_last`` (issue 12 stop 59, opt-in): last, where ``free_reach``'s step read the
model and the detector left a reversed trigger for the suspect, the suspect's logit rise under
that trigger is read on the output over the input model; at or above the bar, ``sparse_last``'s
unlearning. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from test_gated_free_reach import stages
from test_gated_unlearn import PATCH, SIDE, Striped, data

import trojanscope.mitigate.residue_last as rl
from trojanscope import registry
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import gated
from trojanscope.mitigate.free_unlearn import free_changed


def patch_trigger() -> ReversedTrigger:
    """The patch backdoor's trigger for class 2: the top-left corner set to 1."""
    mask = torch.zeros(1, SIDE, SIDE)
    mask[:, :PATCH, :PATCH] = 1.0
    return ReversedTrigger(2, mask, torch.ones(1, SIDE, SIDE))


def _state(model: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_the_reading_is_the_outputs_rise_over_the_inputs() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    patch = Striped(patch=True)
    assert rl.trigger_rise(patch, patch, clean.x, clean.y, 2, patch_trigger()) == 1.0
    deaf = Striped(patch=True)
    with torch.no_grad():
        deaf.out.weight[2, 1] = 0.0  # class 2 no longer reads the patch unit
    assert rl.trigger_rise(deaf, patch, clean.x, clean.y, 2, patch_trigger()) == 0.0
    # nothing to compare to: the input model's rise is not above 0, or no image not of 2
    assert rl.trigger_rise(patch, deaf, clean.x, clean.y, 2, patch_trigger()) is None
    assert rl.trigger_rise(patch, patch, clean.x, torch.full_like(clean.y, 2), 2,
                           patch_trigger()) is None


def test_the_step_unlearns_only_at_or_above_the_bar(monkeypatch) -> None:
    torch.set_num_threads(1)
    calls: list[float] = []
    monkeypatch.setattr(rl, "unlearn_sparse",
                        lambda model, clean, suspect, seed: calls.append(suspect))
    clean = data(40)
    came = _state(Striped(patch=True))
    for bar, runs in ((1.0, True), (1.01, False)):
        calls.clear()
        method = gated.Gated(residue_last=bar)
        method.report_ = {"suspect": 2}
        out = Striped(patch=True)
        assert rl.residue_step(method, out, came, clean, 0, patch_trigger()) is out
        note = method.report_["residue_last"]
        assert note["rise"] == 1.0 and note["bar"] == bar
        assert calls == ([2] if runs else [])
        assert note["action"].startswith("a sparse" if runs else "none")
    calls.clear()
    other = gated.Gated(residue_last=0.1)
    other.report_ = {"suspect": 2}
    rl.residue_step(other, Striped(patch=True), {"layer.weight": torch.zeros(1)}, clean, 0,
                    patch_trigger())  # not the input model's layers: nothing read or done
    assert calls == [] and other.report_["residue_last"]["action"].startswith("skipped")


@pytest.mark.parametrize(("module", "function", "option"), [
    ("trojanscope.mitigate.residue_last", "residue_step", {"residue_last": 0.1}),
    ("trojanscope.mitigate.trigger_last", "trigger_step", {"trigger_last": 5}),
    ("trojanscope.mitigate.round_last", "round_step", {"round_last": 0.2}),
    ("trojanscope.mitigate.fresh_last", "fresh_step", {"fresh_last": 0.05}),
])
def test_in_the_run_it_is_skipped_without_a_reading_or_a_trigger(
        monkeypatch, module: str, function: str, option: dict) -> None:
    """The steps that read the detector's reversed trigger (``residue_last``; stop 62's
    ``trigger_last`` and ``round_last``, stop 63's ``fresh_last``, through
    ``after_steps.suspect_trigger``)."""
    torch.set_num_threads(1)
    called: list = []
    monkeypatch.setattr(f"{module}.{function}", lambda g, out, *a: called.append(1) or out)
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda *a, **k: 0.0)  # under free_reach's bar: its step only reads
    (name,) = option
    found = SimpleNamespace(triggers={2: patch_trigger()})
    for change, suspect, verdict, runs in ((False, 2, found, False), (True, None, found, False),
                                           (True, 2, None, False),
                                           (True, 2, SimpleNamespace(triggers={}), False),
                                           (True, 2, found, True)):
        called.clear()
        method = gated.Gated(free_reach=0.5, reach_round2=False, **option)
        run = stages(method, change, suspect)

        def with_verdict(model, clean, seed, run=run, verdict=verdict, method=method):
            out = run(model, clean, seed)
            method.verdict_ = verdict
            return out
        monkeypatch.setattr(method, "_purify_margin", with_verdict)
        free_changed(method, Striped(), data(40), 0)
        assert bool(called) is runs
        if not runs:
            assert method.report_[name]["action"].startswith("skipped")


def test_the_option_is_a_bar_off_by_default_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["residue_last"] == 0.0
    assert gated.Gated(residue_last=0.2).residue_last == 0.2
    assert gated.Gated(free_reach=0).residue_last == 0.0
    for bad in (-0.1, 11, "maybe"):
        with pytest.raises(ValueError, match="residue_last"):
            gated.Gated(residue_last=bad)
    with pytest.raises(ValueError, match="residue_last"):
        gated.Gated(free_reach=0, residue_last=0.1)
