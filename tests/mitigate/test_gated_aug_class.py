"""`gated`'s ``aug_class`` (issue 12 stop 78, h12): after ``aug_last``'s fit, a bounded search per
source class on noisy copies and within-class mixes of that class's clean images; where the best
class's trigger fires at the bar and lies near the reversed trigger, the fit again from where it
started with that trigger stamped on the class's own rows too. Hand-wired models from
``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.aug_class as ac
import trojanscope.mitigate.aug_last as au
from trojanscope import registry
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import gated


def corner(side: int, at: tuple[int, int] = (0, 0), size: int = 3) -> ReversedTrigger:
    mask = torch.zeros(1, side, side)
    mask[:, at[0]:at[0] + size, at[1]:at[1] + size] = 1.0
    return ReversedTrigger(2, mask, torch.ones(1, side, side))


def test_extra_stamps_only_the_class_rows_and_none_changes_nothing() -> None:
    """The class's images and noisy copies (10 + 10 of a batch of 20 with one noisy copy each;
    ``EVERY``: all 40) enter the fit stamped; without ``extra`` the fit is the step's own, to
    the bit."""
    torch.set_num_threads(1)
    clean = data(20)
    trig = corner(clean.x.shape[-1])
    rows, states = [], []
    for extra in (None, (trig, 0), None, (trig, ac.EVERY)):
        out = Striped(patch=True)
        seen: list[int] = []
        out.register_forward_pre_hook(lambda _m, a, seen=seen: seen.append(len(a[0])))
        au.aug_fit(out, Striped(patch=True).state_dict(), clean, 2, trig, 0, 1, near=2,
                   noisy=1, extra=extra)
        rows.append(max(seen))
        states.append(out.state_dict())
    assert rows == [120, 140, 120, 160]
    assert all(torch.equal(states[0][k], states[2][k]) for k in states[0])
    assert any(not torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_the_class_trigger_is_unlearnt_on_that_class() -> None:
    """A patch that sends every image to class 2: stamped on class 1's rows under their true
    labels it stops turning class 1; without it (no reversed trigger either) it still does."""
    torch.set_num_threads(1)
    clean = data(40)
    trig = corner(clean.x.shape[-1])
    sent = []
    for extra in ((trig, 1), None):
        out = Striped(patch=True)
        au.aug_fit(out, Striped(patch=True).state_dict(), clean, 2, None, 0, 40, extra=extra)
        with torch.no_grad():
            x1 = clean.x[clean.y == 1]
            sent.append(float((out(trig.apply(x1)).argmax(1) == 2).float().mean()))
    assert sent[0] <= 0.5 < sent[1] == 1.0


def test_near_share_is_the_mask_within_a_pixel_of_the_reversed_support() -> None:
    side = 12
    rt = corner(side)
    assert ac.near_share(corner(side, (1, 1)), rt) == 1.0  # inside the support and its ring
    assert ac.near_share(corner(side, (8, 8)), rt) == 0.0
    half = corner(side, (0, 2), 4)  # columns 2-3 within a pixel of columns 0-2, 4-5 not
    assert ac.near_share(half, rt) == pytest.approx(0.5)


def test_the_search_picks_the_class_whose_trigger_flips_most(monkeypatch) -> None:
    flips = {0: 0.1, 1: 0.4}
    monkeypatch.setattr(ac, "search_class", lambda m, cl, s, t, seed, c:
                        ac.ClassFind(c, flips[c], 1.0, t))
    clean = data(20)  # classes 0 and 1; the suspect 2 has no image
    got = ac.class_search(Striped(), clean, 2, corner(clean.x.shape[-1]), 0)
    assert got is not None and got.cls == 1 and got.flip == 0.4
    only = ac.class_search(Striped(), clean, 1, corner(clean.x.shape[-1]), 0)
    assert only is not None and only.cls == 0  # the suspect's own class is not searched


def test_the_real_search_reads_a_patch_left_on_the_class() -> None:
    """On the backdoored model the search warm from the patch sends every copy of a class."""
    torch.set_num_threads(1)
    clean = data(20)
    find = ac.search_class(Striped(patch=True), clean, 2, corner(clean.x.shape[-1]), 0, 0)
    assert find.cls == 0 and find.flip == 1.0 and find.near > 0.95


def test_it_fires_between_the_bar_and_the_high_flip_and_near_the_reversed_trigger() -> None:
    """A flip of FLIP_HIGH or more is a trigger that works on every image (SIG, WaNet rebuilt),
    a mask away from the reversed trigger's place a new trigger: neither fires."""
    assert ac.fires(0.2, ac.NEAR_BAR, 0.1) and ac.fires(0.1, 1.0, 0.1)
    assert not ac.fires(0.09, 1.0, 0.1) and not ac.fires(0.2, 1.0, 0.0)
    assert not ac.fires(ac.FLIP_HIGH, 1.0, 0.1) and not ac.fires(1.0, 1.0, 0.1)
    assert not ac.fires(0.2, ac.NEAR_BAR - 0.01, 0.1)
    assert ac.ClassFind(0, 0.2, 0.9, "T").fires(0.1)


@pytest.mark.parametrize("flip", [0.3, 0.05])
def test_the_step_refits_from_where_it_started_only_where_the_search_fires(monkeypatch,
                                                                           flip) -> None:
    calls: list = []

    def fit(model, *a, **k):  # each fit adds one to the output's weights
        calls.append(k)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)

    monkeypatch.setattr(au, "aug_fit", fit)
    monkeypatch.setattr(ac, "class_search", lambda *a: ac.ClassFind(1, flip, 0.9, "T1"))
    method = gated.Gated(aug_class=0.1)
    method.report_ = {"suspect": 2, "mixed_last": {"action": "fitted towards ..."}}
    out = Striped()
    start = out.out.bias.clone()
    au.aug_step(method, out, {}, data(40), 7, "T")
    fires = flip >= 0.1
    assert [c.get("extra") for c in calls] == ([None, ("T1", ac.EVERY)] if fires else [None])
    assert torch.equal(out.out.bias, start + 1.0)  # the refit starts from the step's start
    note = method.report_["aug_last"]["aug_class"]
    assert note == {"class": 1, "flip": flip, "near": 0.9, "bar": 0.1, "refitted": fires}


def test_the_option_is_off_by_default_and_refused_without_aug_last() -> None:
    assert registry.create("mitigation", "gated").get_params()["aug_class"] == 0.0
    assert gated.Gated(aug_class=0.2).aug_class == 0.2
    assert gated.Gated(free_reach=0).aug_class == 0.0
    for bad in ({"aug_class": -0.1}, {"aug_class": 1.5}, {"aug_last": 0, "aug_class": 0.2}):
        with pytest.raises(ValueError, match="aug_class"):
            gated.Gated(**bad)
