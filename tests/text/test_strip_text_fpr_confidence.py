"""``strip-text``'s ``fpr_confidence`` (issue 15, stop 50): a guard's threshold at the rank of
``pac_threshold``, so the clean flag rate is at most ``--fpr`` with that probability over the
clean sentences, instead of only on average (the conformal rank)."""

from __future__ import annotations

import math

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level.base import (
    conformal_threshold,
    fit_guard,
    pac_count,
    pac_threshold,
)
from trojanscope.errors import UserInputError

from .test_strip_text_calibrate import BagOfWords, clean_rows


def binom_cdf(m: int, n: int, p: float) -> float:
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(m + 1))


@pytest.mark.parametrize(("n", "fpr", "confidence"),
                         [(852, 0.05, 0.9), (250, 0.05, 0.9), (400, 0.01, 0.95), (120, 0.1, 0.5)])
def test_pac_count_is_the_largest_count_within_the_bound(n: int, fpr: float,
                                                         confidence: float) -> None:
    m = pac_count(n, fpr, confidence)
    assert binom_cdf(m, n, fpr) <= 1 - confidence < binom_cdf(m + 1, n, fpr)


def test_too_few_scores_give_the_largest() -> None:
    assert pac_count(20, 0.05, 0.9) == -1  # even one score above is too likely
    scores = torch.arange(20.0)
    assert pac_threshold(scores, 0.05, 0.9) == 19.0


def test_the_threshold_lies_above_the_conformal_rank() -> None:
    scores = torch.randperm(852, generator=torch.Generator().manual_seed(0)).double()
    pac = pac_threshold(scores, 0.05, 0.9)
    assert pac == 851 - 34  # 34 scores above it (the conformal rank leaves 41)
    assert conformal_threshold(scores, 0.05) == 851 - 41
    assert pac_threshold(scores, 0.05, 0.95) >= pac


def test_the_rate_holds_with_the_confidence_over_calibration_sets() -> None:
    """Uniform scores: the flag rate of threshold t is 1 − t; over 400 calibration sets of 200
    the share above 5% is about 10% at confidence 0.9 and about half with the conformal rank."""
    gen = torch.Generator().manual_seed(1)
    over_pac = over_conf = 0
    for _ in range(400):
        cal = torch.rand(200, generator=gen, dtype=torch.float64)
        over_pac += 1 - pac_threshold(cal, 0.05, 0.9) > 0.05
        over_conf += 1 - conformal_threshold(cal, 0.05) > 0.05
    assert over_pac / 400 <= 0.14 and over_conf / 400 >= 0.3


@pytest.mark.parametrize("calibrate", ["folds", "own"])
def test_a_guard_uses_the_rank_on_its_calibration_scores(calibrate: str) -> None:
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, calibrate=calibrate,
                          fpr_confidence=0.8)
    clean = clean_rows(60, 0)
    keep = calibrate == "folds"  # the fold copies' scores kept to compare with
    guard = fit_guard(BagOfWords(), det, clean, fpr=0.1,
                      generator=torch.Generator().manual_seed(3), keep_copies=keep)
    scores = torch.cat(guard.calibration) if keep else det.score(clean).double()
    assert guard.threshold == pac_threshold(scores, 0.1, 0.8)
    assert guard.threshold != conformal_threshold(scores, 0.1)  # 3 above it, not 5


def test_default_and_null_and_out_of_range_refused_in_one_line() -> None:
    # 0.95 with calibrate="own" the default since stop 51; null gives the conformal rank
    det = registry.create("input-detector", "strip-text")
    assert det.get_params()["fpr_confidence"] == 0.95 and det.own_calibration()
    scores = torch.arange(100.0).double()
    assert det.guard_threshold(scores, 0.05) == pac_threshold(scores, 0.05, 0.95)
    old = registry.create("input-detector", "strip-text", calibrate="folds", fpr_confidence=None)
    assert old.guard_threshold(scores, 0.05) == conformal_threshold(scores, 0.05)
    assert not old.own_calibration()
    for bad in (0.0, 1.0, 1.5, -0.1, float("nan")):
        with pytest.raises(UserInputError, match="fpr_confidence") as err:
            registry.create("input-detector", "strip-text", fpr_confidence=bad)
        assert "\n" not in str(err.value)
    with pytest.raises(UserInputError, match=r"fpr_confidence must lie in \(0, 1\) or be null"):
        registry.create("input-detector", "strip-text", fpr_confidence=1.0)
    with pytest.raises(UserInputError, match="confidence must be in"):
        pac_threshold(torch.arange(10.0), 0.05, 1.0)
