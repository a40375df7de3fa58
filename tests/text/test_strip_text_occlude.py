"""``strip-text``'s ``occlude`` (issue 15, stop 56): besides the mixture score, the drop of the
predicted class when the window of ``occlude`` tokens that costs it most is removed; the input's
score is the larger of the two scores' ranks among the fit inputs', the guard's threshold is set
on the fit inputs' own larger ranks (kept at fit), and bad values are refused in one line."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level.base import fit_guard, pac_threshold
from trojanscope.detect.input_level.span_occlusion import span_drops
from trojanscope.errors import UserInputError

from .test_span_text import CLS, PAD, SEP, Trigger, rows


def fitted(**params):
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, **params)
    det.fit(Trigger(), rows(40, 1), generator=torch.Generator().manual_seed(0))
    return det


def rank(ref: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    ref = ref.sort().values
    return torch.searchsorted(ref, x.contiguous(), side="left").float() / len(ref)


def test_off_by_default_and_the_score_is_the_larger_rank() -> None:
    assert registry.create("input-detector", "strip-text").get_params()["occlude"] is None
    plain, occ = fitted(), fitted(occlude=2)
    assert plain.partners_ == occ.partners_  # the same draw: occlude adds, changes nothing
    fit, new = rows(40, 1), torch.cat([rows(6, 2), rows(6, 3, trigger=True)])
    model, special = Trigger(), {PAD, CLS, SEP}
    with torch.no_grad():
        strip_fit, strip_new = plain.score(fit), plain.score(new)
        drop_fit = span_drops(model, fit, 2, 2, 64, PAD, special)
        drop_new = span_drops(model, new, 2, 2, 64, PAD, special)
    want = torch.maximum(rank(strip_fit, strip_new), rank(drop_fit, drop_new))
    assert torch.allclose(occ.score(new), want)
    # the input again and one pass per window: no more windows than its 14 tokens (stop 58;
    # 64, the cap, was said for any length before)
    assert occ.forward_passes_per_input == plain.forward_passes_per_input + 1 + 14


def test_the_guard_reads_the_kept_ranks_of_its_fit_inputs() -> None:
    model, clean = Trigger(), rows(60, 4)
    det = registry.create("input-detector", "strip-text", n=4, occlude=2)
    guard = fit_guard(model, det, clean, fpr=0.05, generator=torch.Generator().manual_seed(0))
    model.calls.clear()
    kept = det.own_scores(clean)
    assert model.calls == []  # not scored again
    assert guard.threshold == pac_threshold(kept.double(), 0.05, 0.95)
    assert torch.allclose(kept, det.score(clean))  # the same ranks a new scoring gives


def test_a_trigger_the_prediction_hangs_on_is_ranked_at_the_top() -> None:
    det = fitted(occlude=1)
    assert float(det.score(rows(10, 5, trigger=True)).min()) == 1.0


@pytest.mark.parametrize(("params", "words"), [
    ({"occlude": -1}, "occlude must be a whole number >= 0 and <= 8, got -1"),
    ({"occlude": 9}, "occlude must be a whole number >= 0 and <= 8, got 9"),
    ({"occlude": 1.5}, "occlude"),
    ({"occlude": 2, "normalise": "class"}, "occlude ranks the scores itself: it needs "
                                           "normalise=none"),
])
def test_bad_values_are_refused_in_one_line(params: dict, words: str) -> None:
    with pytest.raises(UserInputError) as err:
        registry.create("input-detector", "strip-text", **params)
    assert words in str(err.value) and "\n" not in str(err.value)
