"""``strip-text``'s ``normalise="class"`` (issue 15, stop 52): each score is replaced by its rank
among the fit inputs' scores of the same predicted class, so one guard threshold acts per
predicted class; the fit keeps the fit inputs' ranks (a guard does not score them twice).
``normalise="either"`` (stop 53): the larger of that rank and the rank among all fit scores."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.detect.input_level.base import fit_guard, pac_threshold
from trojanscope.errors import UserInputError

from .test_strip_text_calibrate import BagOfWords, clean_rows


def fitted(normalise: str, clean: Tensor, model: nn.Module | None = None):
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, normalise=normalise)
    det.fit(model or BagOfWords(), clean, generator=torch.Generator().manual_seed(0))
    return det


def test_none_is_the_default() -> None:
    assert registry.create("input-detector", "strip-text").get_params()["normalise"] == "none"


def test_class_ranks_a_score_among_the_fit_inputs_of_its_predicted_class() -> None:
    clean, new = clean_rows(60, 0), clean_rows(9, 5)
    raw, ranked = fitted("none", clean), fitted("class", clean)
    assert raw.partners_ == ranked.partners_  # the same draw: only the scale differs
    model = BagOfWords()
    ref_s, ref_p = raw.score(clean), model(clean).argmax(1)
    s, p = raw.score(new), model(new).argmax(1)
    want = torch.tensor([float((ref_s[ref_p == c] < v).float().mean())
                         for v, c in zip(s.tolist(), p.tolist(), strict=True)])
    assert torch.allclose(ranked.score(new), want)
    assert (ranked.score(new) >= 0).all() and (ranked.score(new) <= 1).all()


def test_a_guard_reads_the_kept_ranks_and_sets_its_threshold_on_them() -> None:
    torch.set_num_threads(1)
    clean = clean_rows(60, 0)
    det = registry.create("input-detector", "strip-text", n=4, normalise="class")
    calls = []
    score = det.score
    det.score = lambda x: calls.append(len(x)) or score(x)  # type: ignore[method-assign]
    guard = fit_guard(BagOfWords(), det, clean, fpr=0.1, generator=torch.Generator().manual_seed(3))
    assert calls == []  # the fit's own ranks, not a second scoring
    assert torch.equal(det.own_scores(clean), score(clean))
    assert guard.threshold == pac_threshold(score(clean).double(), 0.1, 0.95)


class OneClass(nn.Module):
    """Every input predicted class 0 (class 1 never)."""

    pad_id = 0

    def forward(self, ids: Tensor) -> Tensor:
        return torch.stack([torch.ones(len(ids)), torch.zeros(len(ids))], 1)


def test_a_class_no_clean_input_is_predicted_as_ranks_zero_with_a_note() -> None:
    det = fitted("class", clean_rows(30, 1), OneClass())
    assert any("class 1" in note and "never flagged" in note for note in det.notes_)
    assert len(det.reference_[1]) == 0


def test_an_unknown_normalise_is_refused_in_one_line() -> None:
    with pytest.raises(UserInputError,
                       match="normalise must be one of none, class, either, got 'rank'"):
        registry.create("input-detector", "strip-text", normalise="rank")


def test_either_is_the_larger_of_the_class_rank_and_the_pooled_rank() -> None:
    clean, new = clean_rows(60, 0), clean_rows(9, 5)
    raw, ranked, either = fitted("none", clean), fitted("class", clean), fitted("either", clean)
    assert raw.partners_ == either.partners_
    ref_s, s = raw.score(clean), raw.score(new)
    pooled = torch.tensor([float((ref_s < v).float().mean()) for v in s.tolist()])
    assert torch.allclose(either.score(new), torch.maximum(ranked.score(new), pooled))
    # a score above the pooled bar but not its class's is flagged by either, not by class
    assert (either.score(new) >= ranked.score(new)).all()
    assert torch.allclose(either.own_scores(clean),
                          torch.maximum(ranked.own_scores(clean),
                                        torch.tensor([float((ref_s < v).float().mean())
                                                      for v in ref_s.tolist()])))


def test_either_ranks_a_class_with_no_clean_input_among_all_of_them() -> None:
    det = fitted("either", clean_rows(30, 1), OneClass())
    assert any("class 1" in note and "among all" in note for note in det.notes_)
    top = det.pooled_[-1:] + 1.0  # above every fit score: the pooled rank is 1, not 0
    assert det._rank(top, torch.ones(1, dtype=torch.long)).tolist() == [1.0]
