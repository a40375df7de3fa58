"""`gated`'s ``fresh_last`` (issue 12 stop 63, opt-in): last, where ``free_reach``'s step read the
model and the detector left a reversed trigger for the suspect, the trigger searched again on
the output (no larger than the detector's) and unlearnt where it still turns at least the bar's
share of the clean images. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_residue_last import patch_trigger
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.fresh_last as fr
from trojanscope import registry
from trojanscope.mitigate import after_steps, gated


@pytest.mark.slow
def test_the_search_finds_the_planted_patch_within_the_detectors_budget() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    first = patch_trigger()
    found, reach = fr.fresh_search(Striped(patch=True), clean, 2, 0, first)
    assert float(found.mask.sum()) <= float(first.mask.sum()) + 1e-4
    assert reach == 1.0
    deaf = Striped(patch=True)
    with torch.no_grad():
        deaf.out.weight[2, 1] = 0.0  # class 2 no longer reads the patch unit
    assert fr.fresh_search(deaf, clean, 2, 0, first)[1] < 0.5


def test_the_step_unlearns_the_found_trigger_only_at_or_above_the_bar(monkeypatch) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(fr, "fresh_search", lambda out, clean, suspect, seed, trigger:
                        (trigger, 0.25))
    monkeypatch.setattr(fr, "trigger_flip", lambda *a: 0.0)  # the detector's trigger sees none
    monkeypatch.setattr(fr, "unlearn_trigger", lambda model, clean, suspect, seed, epochs,
                        trigger: calls.append((suspect, epochs)))
    clean = data(40)
    for bar, runs in ((0.25, True), (0.26, False)):
        calls.clear()
        method = gated.Gated(fresh_last=bar)
        method.report_ = {"suspect": 2}
        out = Striped(patch=True)
        assert fr.fresh_step(method, out, clean, 0, patch_trigger()) is out
        note = method.report_["fresh_last"]
        assert note["reach"] == 0.25 and note["bar"] == bar
        assert calls == ([(2, fr.FRESH_EPOCHS)] if runs else [])
        assert note["action"].startswith("the fresh" if runs else "none")
        assert ("reach_after" in note) is runs


def test_it_runs_after_every_other_step_but_teach_last_and_mixed_last() -> None:
    """Last at stop 63; since stop 64 ``teach_last``, since stop 65 ``mixed_last`` and since
    stop 68 ``blend_last`` (all on by default) run after it, and stop 66's opt-in
    ``restore_last`` and stop 67's opt-in ``repair_last`` between the last two, and stop 75's
    ``aug_last`` after them all (on by default since stop 76), and stop 80's opt-in
    ``reproject_last`` and stop 80's opt-in ``dense_back`` last; with the four defaults at 0 (the opt-in steps off by default) it
    is last again."""
    assert [s.name for s in after_steps.AFTER_STEPS[-9:]] == ["fresh_last", "teach_last",
                                                                "mixed_last", "restore_last",
                                                                "repair_last", "blend_last",
                                                                "aug_last", "reproject_last",
                                                                "dense_back"]
    names = [s.name for s in after_steps.enabled_steps(gated.Gated(fresh_last=0.05))]
    assert names[-5:] == ["fresh_last", "teach_last", "mixed_last", "blend_last", "aug_last"]
    alone = [s.name for s in after_steps.enabled_steps(gated.Gated(fresh_last=0.05,
                                                                    teach_last=0,
                                                                    mixed_last=0,
                                                                    blend_last=0,
                                                                    aug_last=0))]
    assert alone[-1] == "fresh_last"


def test_the_option_is_a_bar_off_by_default_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["fresh_last"] == 0.0
    assert gated.Gated(fresh_last=0.05).fresh_last == 0.05
    assert gated.Gated(free_reach=0).fresh_last == 0.0
    for bad in (-0.1, 1.5, "maybe"):
        with pytest.raises(ValueError, match="fresh_last"):
            gated.Gated(fresh_last=bad)
    with pytest.raises(ValueError, match="fresh_last"):
        gated.Gated(free_reach=0, fresh_last=0.05)


def test_no_search_where_the_detectors_trigger_still_turns_the_output(monkeypatch) -> None:
    searched: list = []
    monkeypatch.setattr(fr, "fresh_search", lambda *a: searched.append(1))
    method = gated.Gated(fresh_last=0.05)
    method.report_ = {"suspect": 2}
    out = Striped(patch=True)  # the planted patch: the detector's trigger turns every image
    assert fr.fresh_step(method, out, data(40), 0, patch_trigger()) is out
    note = method.report_["fresh_last"]
    assert searched == [] and note["flip"] == 1.0 and note["action"].startswith("none")
