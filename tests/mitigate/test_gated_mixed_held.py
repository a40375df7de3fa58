"""`gated`'s ``mixed_held`` (issue 12 stop 74: h12): a share of the clean images no stage or
step sees, read only by ``mixed_last``'s keep-or-undo. Hand-wired models from
``test_gated_unlearn``."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
from test_gated_held_pick import Counted
from test_gated_teach_last import _moved, _same
from test_gated_unlearn import Striped, data, flagged, two_stages

import trojanscope.mitigate.mixed_held as mh
import trojanscope.mitigate.mixed_last as mx
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.after_steps import AfterState


class Stamp:
    """A reversed trigger that lights the top-left corner, towards class 2."""

    target = 2

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        x = x.clone()
        x[:, :, :2, :2] = 1.0
        return x


@pytest.mark.parametrize("keep", [True, False])
def test_the_fit_is_kept_or_undone_by_the_share_and_noted(monkeypatch, keep) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(mx, "trigger_flip", lambda *a: 0.0)  # teach_last did not fit
    monkeypatch.setattr(mh, "keep_fit", lambda before, after: keep)
    method = gated.Gated(mixed_last=1, mixed_held=0.25)
    method.report_ = {"suspect": 2}
    out = _moved()
    got = mx.mixed_step(method, out, Striped().state_dict(), data(40), 0, Stamp(),
                        held=data(20))
    note = method.report_["mixed_last"]
    assert note["held"]["n"] == 20 and note["held"]["kept"] is keep
    assert set(note["held"]["before"]) == {"acc", "logp", "flip", "tprob"}
    assert note["action"].startswith("fitted" if keep else "undone")
    assert _same(out, _moved())  # the output itself is never fitted in place
    assert _same(got, _moved()) is not keep


def test_keep_fit_keeps_ties_and_undoes_a_lost_image() -> None:
    before = {"acc": 0.9, "logp": -0.3, "flip": 0.0, "tprob": 0.01}
    assert mh.keep_fit(before, {**before, "logp": -0.5})  # a tie in accuracy keeps the fit
    assert mh.keep_fit(before, {**before, "acc": 0.92})
    assert not mh.keep_fit(before, {**before, "acc": 0.88, "logp": 0.0})


def test_the_registered_step_passes_the_share_only_under_the_option(monkeypatch) -> None:
    called: list = []
    monkeypatch.setattr(mx, "mixed_step", lambda *a, **k: called.append(k) or "fitted")
    state = AfterState(Striped(), data(40), 0, {}, held=data(20))
    for share, passed in ((0.25, True), (0.0, False)):
        method = gated.Gated(mixed_held=share)
        method.report_ = {"free_reach": {"reach": 0.1}, "suspect": 2}
        method.verdict_ = SimpleNamespace(triggers={2: "T2"})
        assert mx.after_step(method, state) == "fitted"
        assert ("held" in called[-1]) is passed


@pytest.mark.parametrize("share", [0.25, 0.0])
def test_the_share_is_set_apart_before_the_first_stage(monkeypatch, share) -> None:
    """A flagged dense image model: the first stage trains on 120 of 160 images at 0.25."""
    torch.set_num_threads(1)
    flagged(monkeypatch)
    method = two_stages(unlearn=False, mixed_held=share, dense_project=0)
    method.inner = first = Counted()
    method.apply(Striped().eval(), data())
    assert first.sizes == [120 if share else 160]
    assert (method.pick_held_ is not None) is bool(share)
    assert method.report_.get("mixed_held") == ({"held": 40, "rest": 120} if share else None)


def test_off_by_default_and_refused_out_of_range_or_without_mixed_last() -> None:
    assert registry.create("mitigation", "gated").get_params()["mixed_held"] == 0.0
    assert gated.Gated(mixed_held=0.1).mixed_held == 0.1
    for bad in (-0.1, 0.6, math.nan, "yes"):
        with pytest.raises(ValueError, match="mixed_held"):
            gated.Gated(mixed_held=bad)
    with pytest.raises(ValueError, match="mixed_held"):
        gated.Gated(mixed_held=0.2, mixed_last=0)
    with pytest.raises(ValueError, match="mixed_held"):
        gated.Gated(mixed_held=0.2, held_pick=0.2)
