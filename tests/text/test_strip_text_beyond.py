"""``strip-text``'s ``occlude_rule="beyond"`` and ``occlude_stride`` (issue 15, stop 58, opt-in):
today's mixture score and guard threshold kept whole, and an input also flagged when the drop of
its predicted class without its worst window exceeds every fit clean input's; the windows'
stride; bad values refused in one line."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level.base import fit_guard
from trojanscope.detect.input_level.span_occlusion import span_drops
from trojanscope.errors import UserInputError

from .test_span_text import CLS, PAD, SEP, Trigger, rows

BEYOND = {"occlude": 3, "occlude_stride": 1, "occlude_rule": "beyond"}


def guard(**params):
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, **params)
    return det, fit_guard(Trigger(), det, rows(60, 4), fpr=0.05,
                          generator=torch.Generator().manual_seed(0))


def test_todays_threshold_is_kept_and_a_hanging_trigger_is_lifted_above_it() -> None:
    plain, plain_guard = guard()
    det, mine = guard(**BEYOND)
    assert mine.threshold == pytest.approx(plain_guard.threshold)  # the fit inputs unlifted
    clean, trig = rows(30, 2), rows(10, 5, trigger=True)
    assert torch.allclose(det.score(clean)[det.score(clean) <= mine.threshold],
                          plain.score(clean)[det.score(clean) <= mine.threshold])
    lifted = det.score(trig)
    assert float(lifted.min()) > float(plain.score(rows(60, 4)).max())  # above every fit score
    assert bool((lifted > mine.threshold).all())


def test_only_a_drop_past_every_fit_drop_lifts_and_the_stride_sets_the_windows() -> None:
    det, _ = guard(**BEYOND)
    plain, _ = guard()
    x = torch.cat([rows(20, 6), rows(5, 7, trigger=True)])
    with torch.no_grad():
        drops = span_drops(Trigger(), x, 3, 1, 64, PAD, {PAD, CLS, SEP})
        fit = span_drops(Trigger(), rows(60, 4), 3, 1, 64, PAD, {PAD, CLS, SEP})
    past = drops > fit.max()
    got, base = det.score(x), plain.score(x)
    assert torch.allclose(got[~past], base[~past]) and bool((got[past] > base.max()).all())
    assert registry.create("input-detector", "strip-text").get_params()["occlude_rule"] is None


@pytest.mark.parametrize(("params", "words"), [
    ({"occlude": 3, "occlude_rule": "above"},
     "occlude_rule must be one of rank, beyond, lost, deep, got"),
    ({"occlude": 3, "occlude_stride": 4}, "occlude_stride must be a whole number >= 1 and <= 3"),
    ({"occlude": 3, "occlude_stride": 0}, "occlude_stride"),
])
def test_bad_values_are_refused_in_one_line(params: dict, words: str) -> None:
    with pytest.raises(UserInputError) as err:
        registry.create("input-detector", "strip-text", **params)
    assert words in str(err.value) and "\n" not in str(err.value)
