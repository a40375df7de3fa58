"""`gated`'s ``sparse_last`` (issue 12 stop 58, opt-in): last, wherever ``free_reach``'s step read
the model, a sparse universal perturbation (a few pixels set to 0 or 1) towards the suspect is
unlearnt. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import PATCH, SIDE, Striped, data

import trojanscope.mitigate.sparse_last as sl
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.free_unlearn import distil_fit


def _state(model: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_the_delta_sets_k_pixels_to_0_or_1() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    mask, value = sl.sparse_delta(Striped(patch=True), clean.x, 2, k=5, iters=2)
    assert mask.shape == value.shape == (1, 1, SIDE, SIDE)
    assert int(mask.sum()) == 5 and set(mask.unique().tolist()) <= {0.0, 1.0}
    assert set(value.unique().tolist()) <= {0.0, 1.0}
    stamped = sl.stamp(clean.x, mask, value)
    on = mask.bool().expand_as(clean.x)
    assert torch.equal(stamped[~on], clean.x[~on])
    assert torch.equal(stamped[on], value.expand_as(clean.x)[on])


def test_the_reading_finds_a_patch_backdoor_only_with_pixels_enough() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    patch = Striped(patch=True)
    assert sl.sparse_reach(patch, clean.x, clean.y, 2, k=PATCH * PATCH, iters=1) == 1.0
    assert sl.sparse_reach(patch, clean.x, clean.y, 2, k=2, iters=1) == 0.0
    # the last choice, not the best: at the found patch the loss saturates and the next
    # iteration's gradient no longer points at it (docstring of sparse_delta)
    assert sl.sparse_reach(patch, clean.x, clean.y, 2, k=PATCH * PATCH, iters=2) == 0.0


@pytest.mark.slow  # one epoch of the distilling fit: 13 s at load 10
def test_a_perturb_function_gives_distil_fit_its_moved_copies() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    seen: list[int] = []

    def perturb(model, bx):
        seen.append(len(bx))
        return bx.flip(0)

    model = Striped()
    was = _state(model)
    distil_fit(model, Striped(), clean, torch.Generator().manual_seed(0), 1, perturb=perturb)
    assert seen == [40] and not _same(was, _state(model))


@pytest.mark.slow  # the step's fit: 16 s at load 10
def test_the_step_unlearns_the_patch_in_place(monkeypatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(sl, "EPOCHS", 1)
    monkeypatch.setattr(sl, "READ_ITERS", 1)
    clean = data(40)
    method = gated.Gated(sparse_last=True)
    method.report_ = {"suspect": 2}
    out = Striped(patch=True)
    was = _state(out)
    assert sl.sparse_step(method, out, clean, 0) is out
    note = method.report_["sparse_last"]
    assert note["reach"] == 1.0 and note["action"].startswith("a sparse")
    assert not _same(was, _state(out))


def test_the_option_is_a_flag_off_by_default_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["sparse_last"] is False
    assert gated.Gated(sparse_last=1).sparse_last is True
    assert gated.Gated(free_reach=0).sparse_last is False
    for bad in (2, 0.5, "maybe"):
        with pytest.raises(ValueError, match="sparse_last"):
            gated.Gated(sparse_last=bad)
    with pytest.raises(ValueError, match="sparse_last"):
        gated.Gated(free_reach=0, sparse_last=True)
