"""`gated`'s ``residue`` (:mod:`trojanscope.mitigate.fresh_residue`): after the second stage a
trigger search limited to the detector's first trigger's mask size is run on the purified model,
and one more round runs only where it still works on the held-back images. Hand-wired models
from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import PATCH, SIDE, Striped, data, flagged, two_stages
from test_stripe_projection import stages_run

from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import gated_after
from trojanscope.mitigate.fresh_residue import bounded_search, limited, residue_left
from trojanscope.mitigate.trigger_prune import proxy_asr

torch.set_num_threads(1)


def corner() -> ReversedTrigger:
    """The patch backdoor's own trigger: the top-left PATCH x PATCH square, white."""
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    return ReversedTrigger(2, mask, torch.ones(1, SIDE, SIDE))


def test_limited_scales_a_mask_down_to_its_budget_only() -> None:
    mask = torch.full((1, 4, 4), 0.5)  # L1 8
    assert float(limited(mask, 4.0).sum()) == pytest.approx(4.0)
    assert torch.equal(limited(mask, 20.0), mask)


@pytest.mark.parametrize(("budget", "reaches"), [(float(PATCH * PATCH), True), (2.0, False)])
def test_the_bounded_search_finds_the_patch_only_within_its_budget(budget, reaches) -> None:
    """The patch unit needs about half the 16-pixel corner lit: a budget of 16 reaches it, a
    budget of 2 cannot (it can raise the unit by 1.25 of the 5 it needs)."""
    model, clean = Striped(patch=True).eval(), data()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    found = bounded_search(model, clean, 2, budget, torch.Generator().manual_seed(0))
    assert float(found.mask.sum()) <= budget + 1e-4
    assert (proxy_asr(model, found, clean) > 0.9) is reaches
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.requires_grad for p in model.parameters())


def test_residue_left_reads_the_bar() -> None:
    assert residue_left({"asr": 0.3}, 0.2)
    assert not residue_left({"asr": 0.1}, 0.2)
    assert not residue_left({"asr": 1.0}, 0.0)  # off


def test_off_by_default_no_search_runs(monkeypatch) -> None:
    model, clean = Striped(patch=True).eval(), data()
    flagged(monkeypatch, {2: corner()})
    calls = stages_run(monkeypatch)

    def refused(*args, **kwargs):
        raise AssertionError("no residue search with residue=0")

    monkeypatch.setattr(gated_after, "residue_reading", refused)
    method = two_stages(kept=1.01, check=False, candidates=False, warp=0, dense_project=0)
    assert method.get_params()["residue"] == 0.0
    method.apply(model, clean)
    assert calls == [1]
    assert "residue" not in method.report_


@pytest.mark.parametrize(("works", "extra"), [(True, 2), (False, 0)])
def test_a_trigger_still_found_buys_extra_rounds(monkeypatch, works, extra) -> None:
    """The stage is replaced by one that changes nothing, so the patch is still there: the
    search (budget: the corner's 16) finds it every time, and ``residue_rounds`` (2) rounds
    run where the reading meets the bar; none where it does not."""
    model, clean = Striped(patch=True).eval(), data()
    flagged(monkeypatch, {2: corner()})
    calls = stages_run(monkeypatch)
    if not works:
        monkeypatch.setattr(gated_after, "residue_left", lambda reading, bar: False)
    method = two_stages(kept=1.01, check=False, candidates=False, warp=0, dense_project=0,
                        residue=0.5)
    method.apply(model, clean)
    assert len(calls) == 1 + extra
    assert method.report_["residue"]["rounds"] == extra
    assert method.report_["residue"]["readings"][0]["asr"] == 1.0
    assert method.report_["residue"]["readings"][0]["budget"] == PATCH * PATCH


@pytest.mark.parametrize(("name", "value"), [("residue", -0.1), ("residue", 1.5),
                                             ("residue_rounds", 0), ("residue_rounds", 1.5)])
def test_a_bad_residue_option_is_refused(name, value) -> None:
    with pytest.raises(ValueError, match=name):
        two_stages(**{name: value})
