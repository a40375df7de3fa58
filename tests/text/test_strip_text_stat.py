"""``strip-text``'s mixtures and ``stat`` (issue 15, stop 54): ``mixture_keeps`` gives each
mixture's keep in partner order, so a detector fitted with a larger ``n`` on the same generator
holds the smaller ``n``'s mixtures first; ``stat="min"`` scores the least keep instead of the
mean."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.errors import UserInputError

from .test_strip_text_calibrate import BagOfWords, clean_rows


def fitted(**params):
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", **params)
    det.fit(BagOfWords(), clean_rows(60, 0), generator=torch.Generator().manual_seed(0))
    return det


def test_mean_is_the_default() -> None:
    assert registry.create("input-detector", "strip-text").get_params()["stat"] == "mean"


def test_a_larger_n_holds_the_smaller_ns_mixtures_first() -> None:
    small, large = fitted(n=4), fitted(n=8)
    assert all(b[:4] == a for a, b in zip(small.partners_, large.partners_, strict=True))
    new = clean_rows(7, 5)
    pred = BagOfWords()(new).argmax(1)
    with torch.no_grad():
        k4, i4 = small.mixture_keeps(new, pred)
        k8, i8 = large.mixture_keeps(new, pred)
    for j in range(len(new)):
        assert torch.equal(k8[i8 == j][:4], k4[i4 == j])


def test_the_score_is_the_mean_or_the_least_keep_over_the_own_probability() -> None:
    new = clean_rows(9, 5)
    mean, least = fitted(n=4), fitted(n=4, stat="min")
    probs = BagOfWords()(new).softmax(1)
    own, pred = probs.max(1)
    with torch.no_grad():
        keep, index = mean.mixture_keeps(new, pred)
    want_mean = torch.stack([keep[index == j].mean() for j in range(len(new))]) / own
    want_min = torch.stack([keep[index == j].min() for j in range(len(new))]) / own
    assert torch.allclose(mean.score(new), want_mean, atol=1e-6)
    assert torch.allclose(least.score(new), want_min, atol=1e-6)
    assert (least.score(new) <= mean.score(new) + 1e-6).all()


def test_an_unknown_stat_is_refused_in_one_line() -> None:
    with pytest.raises(UserInputError, match="stat must be one of mean, min, got 'median'"):
        registry.create("input-detector", "strip-text", stat="median")
