"""`gated`'s ``blend_last`` (issue 12 stop 68, the default since): last, where ``mixed_last``
fitted the output and the input model answers a faint whole-image blend towards the suspect, E
epochs of ``repair_last``'s capped fit; its gate read as the rise between two opacities
(``blend_rise``, issue 12 stop 69, the default since) or as the share at one; and the blend
reading and the blended copies it is built on (``blend_push``). Hand-wired models from
``test_gated_unlearn``: ``Striped`` answers a strong blend of stripes, its patch variant no
blend at all."""

from __future__ import annotations

import pytest
import torch
from test_gated_repair_last import FITTED
from test_gated_teach_last import _moved, _same
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.blend_last as bl
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.blend_push import BlendPush, blend, blend_reach


def test_a_blend_mixes_each_image_with_the_pattern_at_the_opacity() -> None:
    x = torch.tensor([[[[0.0, 1.0]]], [[[0.5, 0.5]]]])
    pattern = torch.tensor([[[[1.0, 0.0]]]])
    assert torch.allclose(blend(x, pattern, 0.25), torch.tensor([[[[0.25, 0.75]]],
                                                                 [[[0.625, 0.375]]]]))


def test_the_reach_is_the_share_a_found_blend_sends_to_the_suspect() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    stripes = Striped().eval()
    assert blend_reach(stripes, clean.x, clean.y, 2, 0.5) == 1.0  # a strong blend turns all
    assert blend_reach(stripes, clean.x, clean.y, 2, 0.05) == 0.0  # a faint one none
    assert blend_reach(Striped(patch=True).eval(), clean.x, clean.y, 2, 0.5) == 0.0
    none_left = clean.y == 1
    assert blend_reach(stripes, clean.x[none_left], clean.y[none_left], 1, 0.5) == 0.0


def test_the_push_keeps_its_pattern_in_range_from_batch_to_batch() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    push = BlendPush(2, tuple(clean.x.shape[1:]), alpha=0.5)
    model = Striped()
    first = push(model, clean.x[:20])
    kept = push.pattern.clone()
    assert not torch.equal(kept, torch.full_like(kept, 0.5))  # the search moved it
    assert float(kept.min()) >= 0.0 and float(kept.max()) <= 1.0
    assert torch.allclose(first, blend(clean.x[:20], kept, 0.5))
    second = push(model, clean.x[20:])
    assert torch.allclose(second, blend(clean.x[20:], push.pattern, 0.5))
    assert model.training  # the search leaves the model's mode as it was


@pytest.mark.parametrize("mixed,reading,runs", [
    (FITTED, bl.BLEND_BAR, True),  # at the bar: fitted
    (FITTED, 1.0, True),
    (FITTED, bl.BLEND_BAR - 0.01, False),  # under it: the output as it came
    ({"action": "none: teach_last fitted the output"}, None, False),
    (None, None, False),
])
def test_the_fit_runs_where_mixed_last_fitted_and_the_input_model_answers_a_blend(
        monkeypatch, mixed, reading, runs) -> None:
    torch.set_num_threads(1)
    read = []

    def reach(model, x, y, suspect, alpha):
        read.append((model, suspect, alpha))
        return reading

    monkeypatch.setattr(bl, "blend_reach", reach)
    method = gated.Gated(blend_last=1, blend_rise=False)  # the gate before stop 69
    method.report_ = {"suspect": 2, **({"mixed_last": mixed} if mixed else {})}
    out = _moved()
    got = bl.blend_step(method, out, Striped().state_dict(), data(40), 0, "T")
    note = method.report_["blend_last"]
    assert note["epochs"] == 1 and note["bar"] == bl.BLEND_BAR
    assert note["alpha"] == bl.BLEND_GATE_ALPHA
    assert got is out
    if reading is None:
        assert not read and note["action"].startswith("none: mixed_last")
        assert _same(out, _moved())
        return
    (model, suspect, alpha), = read  # the input model read once, at the step's opacity
    assert _same(model, Striped()) and suspect == 2 and alpha == bl.BLEND_GATE_ALPHA
    assert note["blend"] == round(reading, 4)
    assert note["action"].startswith("fitted" if runs else "none") is True
    assert _same(out, _moved()) is not runs


def test_the_option_is_10_by_default_checked_and_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["blend_last"] == 10
    assert gated.Gated(blend_last=0).blend_last == 0
    assert gated.Gated(free_reach=0).blend_last == 0  # off with free_reach's step
    for bad in (-1, 21, 1.5):
        with pytest.raises(ValueError, match="blend_last"):
            gated.Gated(blend_last=bad)
    with pytest.raises(ValueError, match="blend_last"):
        gated.Gated(blend_last=10, free_reach=0)


@pytest.mark.parametrize("high,low,runs", [
    (1.0, 1.0 - bl.RISE_BAR, True),  # a rise of the bar: fitted
    (1.0, 0.2, False),  # every image turned, but from a fifth already: no blended backdoor
    (bl.RISE_BAR - 0.01, 0.0, False),
])
def test_blend_rise_reads_how_steeply_the_input_model_turns(monkeypatch, high, low, runs) -> None:
    torch.set_num_threads(1)
    read = []

    def reach(model, x, y, suspect, alpha):
        read.append(alpha)
        return high if alpha == bl.RISE_HIGH else low

    monkeypatch.setattr(bl, "blend_reach", reach)
    method = gated.Gated(blend_last=1, blend_rise=True)
    method.report_ = {"suspect": 2, "mixed_last": FITTED}
    out = _moved()
    bl.blend_step(method, out, Striped().state_dict(), data(40), 0, "T")
    note = method.report_["blend_last"]
    assert sorted(read) == [bl.RISE_LOW, bl.RISE_HIGH]  # two readings, no more
    assert note["bar"] == bl.RISE_BAR and note["alpha"] == [bl.RISE_LOW, bl.RISE_HIGH]
    assert note["rise"] == round(high - low, 4) and note["blend_low"] == round(low, 4)
    assert note["action"].startswith("fitted" if runs else "none") is True
    assert _same(out, _moved()) is not runs


def test_blend_rise_is_the_default_off_with_blend_last_and_refused_without_it() -> None:
    assert bl.RISE_LOW < bl.RISE_HIGH < bl.BLEND_GATE_ALPHA
    assert registry.create("mitigation", "gated").get_params()["blend_rise"] is True
    assert gated.Gated(blend_rise=False).blend_rise is False  # the gate before
    assert gated.Gated(blend_last=0).blend_rise is False  # off with its step, not refused
    assert gated.Gated(free_reach=0).blend_rise is False
    for bad in ({"blend_rise": 2}, {"blend_rise": True, "blend_last": 0},
                {"blend_rise": True, "free_reach": 0}):
        with pytest.raises(ValueError, match="blend_rise"):
            gated.Gated(**bad)


@pytest.mark.parametrize("reading,undone", [
    (0.5, True),  # at the bar: the fit undone
    (0.49, False),  # under it: the fitted output
])
def test_blend_stop_undoes_the_fit_where_the_fitted_output_answers_the_blend(
        monkeypatch, reading, undone) -> None:
    torch.set_num_threads(1)
    read = []

    def reach(model, x, y, suspect, alpha):
        read.append((model, alpha))
        return reading if alpha == bl.STOP_ALPHA else 0.9 if alpha == bl.RISE_HIGH else 0.0

    monkeypatch.setattr(bl, "blend_reach", reach)
    method = gated.Gated(blend_last=1, blend_stop=0.5)
    method.report_ = {"suspect": 2, "mixed_last": FITTED}
    out = _moved()
    got = bl.blend_step(method, out, Striped().state_dict(), data(40), 0, "T")
    note = method.report_["blend_last"]
    assert sorted(a for _, a in read) == sorted([bl.RISE_LOW, bl.RISE_HIGH, bl.STOP_ALPHA])
    stop_model = next(m for m, a in read if a == bl.STOP_ALPHA)
    assert stop_model is out and not _same(out, _moved())  # the fitted output is read
    assert note["stop"] == 0.5 and note["stop_read"] == reading
    assert note["stop_alpha"] == bl.STOP_ALPHA
    assert (got is not out) is undone and _same(got, _moved()) is undone
    assert ("undone" in note["action"]) is undone and note["action"].startswith("fitted")


def test_blend_stop_reads_nothing_where_the_gate_is_closed_or_it_is_off(monkeypatch) -> None:
    torch.set_num_threads(1)
    read = []
    monkeypatch.setattr(bl, "blend_reach", lambda m, x, y, s, alpha: read.append(alpha) or 0.0)
    method = gated.Gated(blend_last=1, blend_stop=0.5)
    method.report_ = {"suspect": 2, "mixed_last": FITTED}
    bl.blend_step(method, _moved(), Striped().state_dict(), data(40), 0, "T")
    assert bl.STOP_ALPHA not in read and "stop_read" not in method.report_["blend_last"]


def test_blend_stop_is_off_by_default_checked_and_refused_without_blend_last() -> None:
    assert registry.create("mitigation", "gated").get_params()["blend_stop"] == 0.0
    assert gated.Gated(blend_stop=0.3).blend_stop == 0.3
    assert gated.Gated(blend_last=0).blend_stop == 0.0  # off with its step, not refused
    assert gated.Gated(free_reach=0).blend_stop == 0.0
    for bad in ({"blend_stop": 1.5}, {"blend_stop": -0.1}, {"blend_stop": 0.5, "blend_last": 0},
                {"blend_stop": 0.5, "free_reach": 0}):
        with pytest.raises(ValueError, match="blend_stop"):
            gated.Gated(**bad)
