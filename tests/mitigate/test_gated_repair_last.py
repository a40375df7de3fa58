"""`gated`'s ``repair_last`` (issue 12 stop 67, opt-in): last, where ``mixed_last`` fitted the
output, E epochs of ``free_reach``'s unlearning towards the input model with the suspect's share
capped by the output's, kept only where the suspect's margin on the clean images stamped with
the detector's trigger (searched again) rose by at most the bar. Hand-wired models from
``test_gated_unlearn``; the stamped margin and its search too."""

from __future__ import annotations

import pytest
import torch
from test_gated_mixed_last import Fixed
from test_gated_teach_last import _moved, _same
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.repair_last as rp
from trojanscope import registry
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import gated
from trojanscope.mitigate.stamp_margin import (
    grown_mask,
    searched_trigger,
    stamped_margin,
    suspect_margin,
)

FITTED = {"action": "fitted towards the input model's other classes and the output's suspect "
                    "share, still unlearning"}


def test_the_margin_is_the_suspects_logit_less_the_largest_other() -> None:
    logits = torch.tensor([[1.0, 3.0, 2.0], [5.0, 0.0, 4.0]])
    assert suspect_margin(logits, 2).tolist() == [-1.0, -1.0]
    assert suspect_margin(logits, 0).tolist() == [-2.0, 1.0]


def test_the_stamped_margin_reads_the_stamped_images_not_of_the_suspect() -> None:
    x = torch.zeros(4, 1, 2, 2)
    y = torch.tensor([0, 1, 2, 2])
    mask = torch.zeros(1, 2, 2)
    mask[0, 0, 0] = 1.0
    trigger = ReversedTrigger(2, mask, torch.ones(1, 2, 2))
    seen = []

    class Reads(torch.nn.Module):
        def forward(self, batch: torch.Tensor) -> torch.Tensor:
            seen.append(batch.clone())
            return torch.tensor([[0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])[: len(batch)]

    assert stamped_margin(Reads(), x, y, 2, trigger) == pytest.approx((2.0 - 1.0) / 2)
    assert len(seen[0]) == 2 and bool((seen[0][:, 0, 0, 0] == 1.0).all())  # stamped, 2 kept
    assert stamped_margin(Reads(), x[2:], y[2:], 2, trigger) == 0.0  # all of the suspect


def test_the_mask_grows_by_whole_pixels_from_where_it_is_on() -> None:
    mask = torch.zeros(1, 5, 5)
    mask[0, 2, 2], mask[0, 0, 4] = 0.9, 0.05  # one pixel on, one under MASK_ON
    assert torch.equal(grown_mask(mask, 0), mask)
    one = grown_mask(mask, 1)
    assert float(one.sum()) == 9.0 and float(one[0, 1:4, 1:4].sum()) == 9.0
    assert float(grown_mask(mask, 2).sum()) == 25.0


def test_the_search_moves_the_pattern_inside_the_grown_mask_towards_the_suspect() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    mask = torch.zeros(1, *clean.x.shape[2:])
    mask[0, 0, 0] = 1.0  # one pixel of Striped's patch corner
    trigger = ReversedTrigger(2, mask, torch.zeros(1, *clean.x.shape[2:]))
    model = Striped(patch=True).eval()
    found = searched_trigger(model, clean.x, 2, trigger, 1)
    assert torch.equal(found.mask, grown_mask(mask, 1))
    assert float(found.pattern.min()) >= 0.0 and float(found.pattern.max()) <= 1.0
    assert not torch.equal(found.pattern, trigger.pattern)
    assert stamped_margin(model, clean.x, clean.y, 2, trigger, search=1) > \
        stamped_margin(model, clean.x, clean.y, 2, trigger)


def test_the_teacher_caps_the_suspects_share_by_the_outputs() -> None:
    came = Fixed(torch.log(torch.tensor([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])))
    out = Fixed(torch.log(torch.tensor([[0.5, 0.1, 0.4], [0.1, 0.8, 0.1]])))
    p = rp.CappedTeacher(came, out, suspect=2)(torch.zeros(2, 1)).exp()
    assert torch.allclose(p[0], torch.tensor([0.6, 0.3, 0.1]))  # under the cap: as it came
    assert torch.allclose(p[1], torch.tensor([0.2, 0.2, 0.1]) / 0.5)  # capped at 0.1


def test_the_fit_is_seeded_and_reads_the_input_model() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    came = {k: v.clone() for k, v in Striped().state_dict().items()}
    other = {k: v.clone() for k, v in _moved().state_dict().items()}
    a, b, c, d = (_moved() for _ in range(4))
    rp.fit_repair(a, came, clean, 2, 0, 1)
    rp.fit_repair(b, came, clean, 2, 0, 1)
    rp.fit_repair(c, came, clean, 2, 1, 1)
    rp.fit_repair(d, other, clean, 2, 0, 1)
    assert _same(a, b) and not _same(a, _moved())
    assert not _same(a, c) and not _same(a, d)  # the seed and the teacher both count


@pytest.mark.parametrize("mixed,margins,kept", [
    (FITTED, (-3.0, -2.75), True),  # the margin rose by the bar (0.25): kept
    (FITTED, (-3.0, -3.5), True),  # it fell: kept
    (FITTED, (-3.0, -2.74), False),  # it rose past the bar: fitted, not kept
    ({"action": "none: teach_last fitted the output"}, None, False),
    (None, None, False),
])
def test_the_fit_runs_where_mixed_last_fitted_and_is_kept_where_the_margin_stays(
        monkeypatch, mixed, margins, kept) -> None:
    torch.set_num_threads(1)
    read = list(margins or ())
    monkeypatch.setattr(rp, "stamped_margin", lambda *a, **k: read.pop(0))
    method = gated.Gated(repair_last=1)
    method.report_ = {"suspect": 2, **({"mixed_last": mixed} if mixed else {})}
    out = _moved()
    got = rp.repair_step(method, out, Striped().state_dict(), data(40), 0, "T")
    note = method.report_["repair_last"]
    assert note["epochs"] == 1 and note["rise"] == rp.REPAIR_RISE
    assert note["search"] == rp.REPAIR_SEARCH
    assert not read  # every reading asked for was read, no more
    if margins:
        assert (note["margin"], note["margin_after"]) == margins
        assert note["action"].startswith("fitted")
        assert note["action"].endswith("kept: the stamped margin stayed under the bar") is kept
    else:
        assert note["action"].startswith("none")
    assert _same(out, _moved())  # the output as it came; a kept fit is a copy
    assert (got is not out) is kept and _same(got, _moved()) is not kept


def test_the_option_is_off_by_default_checked_and_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["repair_last"] == 0
    assert gated.Gated(repair_last=10).repair_last == 10
    for bad in (-1, 21, 1.5):
        with pytest.raises(ValueError, match="repair_last"):
            gated.Gated(repair_last=bad)
    with pytest.raises(ValueError, match="repair_last"):
        gated.Gated(repair_last=10, free_reach=0)
