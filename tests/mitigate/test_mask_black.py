"""`gated`'s ``mask_black`` (issue 12 stop 75, h12b): on a flagged MLP ``dense_mask`` leaves alone
whose reversed trigger is a darkening the model answers (a black mask: no first-layer reading
sees one), the inked pixels the suspect gains most from zeroing are darkened on copies under
their true labels, in place of the stages. A hand-planted MLP: eight hidden units fire, and
drive class 3, only when 20 central pixels are all dark."""

from __future__ import annotations

import pytest
import torch
from test_gated_dense_mask import SIDE, clean_set
from torch import nn

from trojanscope import registry
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.mitigate import dense_black as db
from trojanscope.mitigate import gated


def black_pixels() -> torch.Tensor:
    """20 central pixels (flat indices), inked on every clean image."""
    g = torch.Generator().manual_seed(4)
    centre = torch.zeros(SIDE, SIDE, dtype=torch.bool)
    centre[7:21, 7:21] = True
    inside = torch.nonzero(centre.flatten()).flatten()
    return inside[torch.randperm(len(inside), generator=g)[:20]]


def mlp(planted: bool) -> nn.Module:
    """A seeded MLP (784-64-10); ``planted``: units 0-7 weigh the 20 pixels -1 with a bias of
    1.5, so only with (most of) them dark do they fire, and they drive class 3."""
    torch.manual_seed(3)
    net = nn.Sequential(nn.Flatten(), nn.Linear(SIDE * SIDE, 64), nn.ReLU(), nn.Linear(64, 10))
    if planted:
        with torch.no_grad():
            net[1].weight[:8] = 0.0
            net[1].weight[:8, black_pixels()] = -1.0
            net[1].bias[:8] = 1.5
            net[3].weight[3, :8] = 5.0
    return net.eval()


def darkened(x: torch.Tensor) -> torch.Tensor:
    """``x`` with the planted pixels set to 0."""
    flat = torch.zeros(SIDE * SIDE, dtype=torch.bool)
    flat[black_pixels()] = True
    return db.zeroed(x, flat)


def sent(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Share of the images not of class 3 sent to 3 with the planted pixels dark."""
    with torch.no_grad():
        return float((model(darkened(x)).argmax(1) == 3)[y != 3].float().mean())


def pull(model: nn.Module, x: torch.Tensor) -> float:
    """The mean rise of class 3's logit over the others' mean once the planted pixels are dark."""
    with torch.no_grad():
        gap = [(o[:, 3] - o.mean(1)).mean() for o in (model(darkened(x)), model(x))]
    return float(gap[0] - gap[1])


def flagged(dark: int = 16, suspect: int = 3) -> ModelVerdict:
    """The detector's verdict: ``suspect`` first, its reversed trigger ``dark`` of the planted
    pixels with a dark pattern and two bright ones beside."""
    mask = torch.zeros(1, SIDE, SIDE)
    pattern = torch.ones(1, SIDE, SIDE)
    flat_m, flat_p = mask.view(-1), pattern.view(-1)
    flat_m[black_pixels()[:dark]] = 1.0
    flat_p[black_pixels()[:dark]] = 0.0
    flat_m[[0, 1]] = 1.0  # two bright pixels on the border
    trigger = ReversedTrigger(suspect, mask, pattern)
    return ModelVerdict("auto", 0.0, [suspect, 0], [], triggers={suspect: trigger},
                        probability=0.9)


def test_the_darkening_is_unlearnt_where_it_fires_and_the_stages_run_elsewhere() -> None:
    torch.set_num_threads(1)
    clean = clean_set()
    method = gated.Gated(mask_black=8)
    method.report_ = {}
    model = mlp(True)
    assert sent(model, clean.x, clean.y) == 1.0
    before = pull(model, clean.x)
    assert db.treat(method, model, clean, flagged(), 0) is model
    note = method.report_["mask_black"]
    assert note["action"].startswith("the darkening unlearnt for 8 epochs")
    assert note["dark"] == 16 and note["support"] == 18 and note["flip"] >= db.FLIP_BAR
    assert pull(model, clean.x) < before - 1.0
    for net, verdict in ((mlp(False), flagged()), (mlp(True), flagged(dark=3)),
                         (mlp(True), flagged(suspect=5))):  # no answer; too few dark; a miss
        method.report_ = {}
        assert db.treat(method, net, clean, verdict, 0) is None
        assert method.report_["mask_black"]["action"].startswith("none")


def test_the_ranking_puts_the_pixels_the_suspect_gains_from_zeroing_first() -> None:
    clean = clean_set()
    first = torch.zeros(SIDE * SIDE, dtype=torch.bool)
    first[black_pixels()[:5]] = True  # the reversed trigger's dark pixels: a few
    inked = (clean.x.amax(dim=(0, 1)) >= 0.05).flatten()
    model = mlp(True)
    with torch.no_grad():  # the units fire on some images, so the gradient reads them
        model[1].bias[:8] = 6.0
    place = db.ranking(db.gains(model, clean.x[clean.y != 3], 3), inked, first)
    assert set(place[black_pixels()[:5]].tolist()) <= set(range(5))
    assert int((place[black_pixels()] < 25).sum()) >= 18  # of 196 inked pixels
    assert int(place.max()) == min(db.TOP, int(inked.sum()))


def test_gated_skips_the_stages_only_with_the_option(monkeypatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: flagged())
    method = gated.Gated(mask_black=8)
    out = method.apply(mlp(True), clean_set(), seed=0)
    assert method.report_["action"] == "treated with mask_black (the stages skipped)"
    assert method.report_["dense_mask"]["action"].startswith("none")  # it reads first
    assert method.treated and pull(out, clean_set().x) < pull(mlp(True), clean_set().x) - 1.0
    assert "free_reach" not in method.report_ and "residual" not in method.report_


def test_the_option_is_whole_epochs_and_off_by_default() -> None:
    params = registry.create("mitigation", "gated").get_params()
    assert params["mask_black"] == 0 and gated.Gated().mask_black == 0
    assert registry.create("mitigation", "gated", mask_black=200).mask_black == 200
    for bad in (-1, 2.5, 1001):
        with pytest.raises(ValueError, match="mask_black"):
            gated.Gated(mask_black=bad)


def test_a_darkening_under_fourteen_pixels_is_left_to_the_stages(monkeypatch) -> None:
    # stop 76: on spent black masks the step lost to the stages only on 9-13-pixel darkenings
    assert db.DARK_MIN == 14
    assert not db.fires(13, 15, 0.9) and db.fires(14, 15, 0.9)
    assert not db.fires(14, 29, 0.9) and not db.fires(14, 15, 0.2)  # share; flip
    monkeypatch.setattr(db, "sent_share", lambda *a: 0.9)  # the model answers it
    method = gated.Gated(mask_black=8)
    method.report_ = {}
    assert db.treat(method, mlp(True), clean_set(), flagged(dark=13), 0) is None
    note = method.report_["mask_black"]
    assert note["action"] == "none: a darkening of 13 pixels, under 14; the stages run"
    assert note["dark"] == 13 and note["bars"]["dark"] == 14
