"""`gated`'s ``fold_back`` (issue 12 stop 57, opt-in): the output fitted back towards the input
model where a two-fold cross-fitted reading says the fit gains accuracy and no reach towards
the suspect. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import math

import pytest
import torch
from test_gated_free_reach import stages
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.back_distill as bd
import trojanscope.mitigate.fold_back as fb
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.free_unlearn import free_changed


def _state(model: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_the_halves_split_every_class_evenly_from_the_seed() -> None:
    clean = data(41)
    a, b = fb.halves(clean, 0)
    assert len(a) + len(b) == 41
    for c in (0, 1):
        na, nb = int((a.y == c).sum()), int((b.y == c).sum())
        assert abs(na - nb) <= 1 and na + nb == int((clean.y == c).sum())
    rows = {tuple(r.flatten().tolist()) for r in torch.cat([a.x, b.x])}
    assert len(rows) == 41  # disjoint and covering
    again, _ = fb.halves(clean, 0)
    other, _ = fb.halves(clean, 1)
    assert torch.equal(again.x, a.x) and not torch.equal(other.x, a.x)


def test_the_cross_read_trains_on_one_half_and_reads_the_other() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    out, came = Striped(), Striped()
    note = fb.cross_read(out, came, clean, 2, 1, 0)
    assert [f["held"] for f in note["folds"]] == [20, 20]
    assert note["gain"] == sum(f["fit"] - f["output"] for f in note["folds"])
    assert isinstance(note["rise"], float)


@pytest.mark.parametrize("gain,rise,kept", [(2, 0.0, True), (1, 0.0, False),
                                            (5, 0.02, False), (5, 0.01, True)])
def test_the_fit_is_kept_only_where_the_reading_says_so(monkeypatch, gain, rise, kept) -> None:
    torch.set_num_threads(1)
    clean = data(40)
    method = gated.Gated(fold_back=1)
    method.report_ = {"suspect": 2}
    monkeypatch.setattr(fb, "cross_read", lambda *a: {"gain": gain, "rise": rise})
    monkeypatch.setattr(bd, "universal_reach", lambda *a, **k: 0.0)
    out = Striped()
    with torch.no_grad():
        out.out.bias[0] += 1.0  # the output differs from the input model: the fit moves it
    was = _state(out)
    fb.fold_step(method, out, Striped(), clean, 0)
    note = method.report_["fold_back"]
    assert _same(was, _state(out)) is not kept
    assert note["action"].startswith("fitted back" if kept else "none")


def test_a_fit_whose_reach_rises_on_all_images_is_refused(monkeypatch) -> None:
    torch.set_num_threads(1)
    readings = iter([0.0, 0.5])
    monkeypatch.setattr(fb, "cross_read", lambda *a: {"gain": 4, "rise": 0.0})
    monkeypatch.setattr(bd, "universal_reach", lambda *a, **k: next(readings))
    method = gated.Gated(fold_back=1)
    method.report_ = {"suspect": 2}
    out = Striped()
    with torch.no_grad():
        out.out.bias[0] += 1.0
    was = _state(out)
    fb.fold_step(method, out, Striped(), data(40), 0)
    assert _same(was, _state(out))
    assert method.report_["fold_back"]["action"].startswith("refused")


def test_in_the_run_it_is_skipped_where_nothing_changed_or_no_suspect(monkeypatch) -> None:
    torch.set_num_threads(1)
    called: list = []
    monkeypatch.setattr(fb, "fold_step", lambda *a: called.append(1) or a[1])
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda *a, **k: 0.0)
    for change, suspect, runs in ((False, 2, False), (True, None, False), (True, 2, True)):
        called.clear()
        method = gated.Gated(free_reach=0.5, reach_round2=False, fold_back=1)
        monkeypatch.setattr(method, "_purify_margin", stages(method, change, suspect))
        free_changed(method, Striped(), data(40), 0)
        assert bool(called) is runs
        if not runs:
            assert method.report_["fold_back"]["action"].startswith("skipped")


def test_off_by_default_and_refused_out_of_range_or_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["fold_back"] == 0
    assert gated.Gated(fold_back=2).fold_back == 2
    assert gated.Gated(free_reach=0).fold_back == 0
    for bad in (-1, 21, 1.5, math.nan, "yes"):
        with pytest.raises(ValueError, match="fold_back"):
            gated.Gated(fold_back=bad)
    with pytest.raises(ValueError, match="fold_back"):
        gated.Gated(fold_back=1, free_reach=0)
