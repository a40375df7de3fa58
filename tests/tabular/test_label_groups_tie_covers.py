"""``label-groups``' ``tie_covers`` (issue 16 stop 72, ``label_ties``; the default, 0: off):
rows tied at the cut that hold a minority label pass over, as rivals, the groups of another
label on a value they share (a conjunction trigger's covers, which the ``deficit`` and
``cells`` screens score on the trigger's own values); and the printed groups say which screen
raised them."""

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


def _table(rival_value: int = 7, majority: bool = False, rival_c: int = 1):
    """1,000 rows, 300 of label 1: 40 label-1 rows (900-939) holding ``a = 7`` and ``c = 5``
    (50 and 60 rows hold them: a trigger's uncommon values) tie at the cut at 2.4 under a
    10-row label-0 group (0-9) on ``a = rival_value`` and ``c = rival_c`` at 3.5 (with the
    defaults a cover: one of the two values, its own ``c``); ``b = 0`` is held by every row.
    With ``majority`` 700 rows hold label 1, the tied rows' label."""
    rng = np.random.default_rng(0)
    n = 1000
    codes = np.zeros((n, 3), np.int64)
    codes[:, 0] = rng.integers(0, 7, n)
    codes[:, 2] = rng.integers(0, 5, n)
    codes[890:940, 0] = 7
    codes[880:940, 2] = 5
    codes[:10, 0], codes[:10, 2] = rival_value, rival_c
    labels = np.zeros(n, np.int64)
    labels[300 if majority else 700:] = 1
    scores = rng.uniform(0.0, 1.5, n)
    scores[900:940], scores[:10] = 2.4, 3.5
    groups = [{"label": int(labels[0]), "columns": [0, 2], "row": 0, "exact": 3.5,
               "members": np.arange(10)},
              {"label": int(labels[900]), "columns": [0, 2], "row": 900, "exact": 2.4,
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


def test_a_rival_holding_all_the_tied_rows_values_is_not_a_cover() -> None:
    """A cover carries a proper part. Where the tied rows are the covers of a trigger towards
    the majority label above them (one shared value), the trigger holds all of it and stays a
    rival (stop 72: ``test_label_groups_contrast``'s table flagged its 20 cover rows else)."""
    codes, labels, scores, groups = _table(rival_c=5)  # a = 7 and c = 5: the whole trigger
    assert not cover_rivals(scores, TOP, groups, codes, labels).any()
    codes, labels, scores, groups = _table()
    codes[900:940, 2] = np.arange(40) % 5  # the tied rows share a = 7 alone
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
    on = detect_data(data, method="label-groups")  # the default since stop 72
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
    assert words == ("a = w with label 0 (12 rows, score 11.93: rows whose value does not fit "
                     "what another column, which it nearly fixes, holds on them; screen misfits "
                     "at z 12.50)")



def test_tie_covers_is_on_by_default_and_0_turns_it_off() -> None:
    assert LabelGroups().tie_covers == 1 and LabelGroups(tie_covers=0.0).tie_covers == 0


@pytest.mark.parametrize("seed", range(4))
def test_passing_fewer_rivals_over_flags_no_more(seed: int) -> None:
    """The flags grow with the groups passed over: none passed gives today's flags, and a
    narrower ``passed`` (stop 72's proper-part guard) flags a subset of a wider one's."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0.0, 2.0, 1500)
    scores[:60], scores[1490:] = 2.3, 3.5  # 60 tied rows under a 10-row rival
    groups = [(float(scores[i]), np.array([i])) for i in range(60, 1490, 5)]
    groups += [(2.3, np.arange(60)), (3.5, np.arange(1490, 1500))]
    wide = rng.random(len(groups)) < 0.5
    wide[-2:] = False, True  # the tied rows' own group stays; the rival above is passed
    narrow = wide & (rng.random(len(groups)) < 0.5)
    flags = [set(label_flags(scores, TOP, SURE, 0.0, MARGIN, groups, TIE_COVER, p))
             for p in (np.zeros(len(groups), bool), narrow, wide)]
    assert flags[0] <= flags[1] <= flags[2]
    assert set(range(60)) <= flags[2] and not set(range(60)) & flags[0]
