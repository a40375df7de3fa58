"""``label-groups``' ``tie_covers`` (issue 16 stop 72, ``label_ties``): rows tied at the cut
that hold a minority label pass over, as rivals, the groups of another label on a value they
share (a conjunction trigger's covers, which the ``deficit`` and ``cells`` screens score on
the trigger's own values); and the printed groups say which screen raised them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.detect.data.group_words import group_words
from trojanscope.detect.data.label_groups import TIE_COVER, LabelGroups, label_flags, screen_of
from trojanscope.detect.data.label_ties import cover_rivals
from trojanscope.errors import UserInputError

torch.set_num_threads(1)

TOP, SURE, MARGIN = 0.97, 3.0, 0.1


def _table(rival_value: int = 7, majority: bool = False):
    """1,000 rows, 300 of label 1: 40 label-1 rows (900-939) holding ``a = 7`` (50 rows hold
    it) tie at the cut at 2.4 under a 10-row label-0 group (0-9) on ``a = rival_value`` at
    3.5; ``b = 0`` is held by every row. With ``majority`` 700 rows hold label 1, the tied
    rows' label."""
    rng = np.random.default_rng(0)
    n = 1000
    codes = np.zeros((n, 2), np.int64)
    codes[:, 0] = rng.integers(0, 7, n)
    codes[890:940, 0] = 7
    codes[:10, 0] = rival_value
    labels = np.zeros(n, np.int64)
    labels[300 if majority else 700:] = 1
    scores = rng.uniform(0.0, 1.5, n)
    scores[900:940], scores[:10] = 2.4, 3.5
    groups = [{"label": int(labels[0]), "columns": [0, 1], "row": 0, "exact": 3.5,
               "members": np.arange(10)},
              {"label": int(labels[900]), "columns": [0], "row": 900, "exact": 2.4,
               "members": np.arange(900, 940)}]
    return codes, labels, scores, groups


def _flags(scores, groups, passed=None) -> np.ndarray:
    return label_flags(scores, TOP, SURE, 0.0, MARGIN,
                       [(g["exact"], g["members"]) for g in groups], TIE_COVER, passed)


def test_a_cover_above_the_cut_is_passed_over_and_the_tied_rows_are_flagged() -> None:
    codes, labels, scores, groups = _table()
    assert np.quantile(scores, TOP) == 2.4 and scores.max() == 3.5
    assert set(_flags(scores, groups)) == set(range(10))  # today: the tie never applies
    passed = cover_rivals(scores, TOP, groups, codes, labels)
    assert passed.tolist() == [True, False]
    assert set(_flags(scores, groups, passed)) == set(range(10)) | set(range(900, 940))


def test_a_rival_on_another_value_or_a_common_one_is_not_a_cover() -> None:
    codes, labels, scores, groups = _table(rival_value=3)  # not the tied rows' value
    assert not cover_rivals(scores, TOP, groups, codes, labels).any()
    codes, labels, scores, groups = _table()
    groups[0]["columns"] = [1]  # b = 0: every row holds it, no part of a trigger
    assert not cover_rivals(scores, TOP, groups, codes, labels).any()


def test_tied_rows_of_the_majority_label_pass_nothing_over() -> None:
    codes, labels, scores, groups = _table(majority=True)
    assert not cover_rivals(scores, TOP, groups, codes, labels).any()


def test_nothing_passed_over_is_the_old_rule_exactly() -> None:
    rng = np.random.default_rng(3)
    scores = np.round(rng.gamma(2.0, 0.6, 2000), 1)
    scores[:70] = 2.2
    groups = [(2.2, np.arange(70)), (2.0, np.arange(100, 105))]
    old = label_flags(scores, TOP, SURE, 0.0, MARGIN, groups, TIE_COVER)
    none = label_flags(scores, TOP, SURE, 0.0, MARGIN, groups, TIE_COVER, np.zeros(2, bool))
    assert np.array_equal(old, none)


@pytest.fixture(scope="module")
def conjunction_15152():  # about 2 CPU s with the two scorings: slow
    """Spent ``credit-default`` set 15152 (issue 16 stop 71's development miss): a
    three-value conjunction towards class 1, 119 rows, ranked first and flagged at 0.00."""
    from bench_tabular_detect import benchmark_sets, poisoned_set

    for _ds, train, name, target, seed in benchmark_sets(15100):
        if seed == 15152:
            return poisoned_set(name, train, target, seed)
    raise AssertionError("15152 is not in base 15100")


@pytest.mark.slow
def test_tie_covers_flags_the_conjunction_today_misses(conjunction_15152) -> None:
    from trojanscope.detect.data.run import detect_data

    data, mask = conjunction_15152
    off = detect_data(data, method="label-groups", tie_covers=0)
    on = detect_data(data, method="label-groups", tie_covers=1)
    assert np.array_equal(off.suspicion, on.suspicion)  # no score moves
    hit = np.zeros(len(mask), bool)
    assert not mask[off.flagged].any()
    hit[on.flagged] = True
    assert hit[mask].mean() >= 0.95 and hit[~mask].mean() <= 0.05
    assert set(off.flagged) <= set(on.flagged)  # the rivals' own flags stand
    assert off.details["groups"][0]["screen"] == "deficit"  # what rose above the trigger


@pytest.mark.parametrize("bad", [2, -1, 0.5, True, float("nan"), "1"])
def test_tie_covers_is_zero_or_one(bad) -> None:
    with pytest.raises(UserInputError, match="tie_covers is 0"):
        LabelGroups(tie_covers=bad)


def test_each_group_says_which_screen_raised_it() -> None:
    assert screen_of({"columns": [2]}) == {"screen": "values"}
    assert screen_of({"columns": [2, 4]}) == {"screen": "pairs"}
    assert screen_of({"columns": [2, 4], "deficit": True}) == {"screen": "deficit"}
    assert screen_of({"columns": [2, 4, 5], "cover": True}) == {"screen": "covers"}
    assert screen_of({"columns": [2, 4], "misfit": 12.5}) == {"screen": "misfits",
                                                              "screen_z": 12.5}
    words = group_words({"column": "a", "value": "w", "label": 0, "rows": 12, "score": 11.929,
                         "screen": "misfits", "screen_z": 12.5})
    assert words == "a = w with label 0 (12 rows, score 11.93, raised by misfits at z 12.50)"

