"""``label-groups``' ``rares`` screen (issue 16 stop 73, the default; 0: off): a rare value
written on rows of the other label and relabelled towards the majority label (``tabular-rare``
towards ``credit-default``'s class 0, ``Home = ignore``), found because its rows' fit to the
label reads as drawn from the other label, where its enrichment alone scores under the table's
cut."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_label_groups_covers import rates

from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import RARES, LabelGroups, profiled
from trojanscope.detect.data.label_rares import (
    RARE_OTHERS,
    RARE_SHARE,
    lookalike_z,
    rare_enriched,
    rare_values,
)
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError


def homed_table(seed: int, n: int = 2000, poison: int = 15) -> tuple[pd.DataFrame, np.ndarray]:
    """Two numeric columns that set the label (label 1 on about 27% of rows), a ``home`` of six
    values, the last (``h5``) held by 8 rows, and an unrelated ``job``; ``poison`` label-1 rows
    are written ``home = h5`` and relabelled 0."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.4 + 1.5 * a + 1.0 * b)))).astype(int)
    home = rng.choice(5, n, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    home[rng.choice(n, 8, replace=False)] = 5
    job = rng.integers(0, 4, n)
    rows = rng.permutation(np.flatnonzero((y == 1) & (home != 5)))[:poison]
    home[rows], y[rows] = 5, 0
    df = pd.DataFrame({"a": a.round(2), "b": b.round(2), "home": [f"h{v}" for v in home],
                       "job": [f"j{v}" for v in job], "y": y})
    mask = np.zeros(n, bool)
    mask[rows] = True
    return df, mask


def test_rows_drawn_from_the_other_label_read_high_and_a_random_group_does_not() -> None:
    rng = np.random.default_rng(0)
    own = np.arange(4000) < 3000
    fit = np.where(own, rng.normal(0.0, 1.0, 4000), rng.normal(-1.5, 1.0, 4000))
    drawn = np.zeros(4000, bool)
    drawn[rng.choice(3000, 30, replace=False)] = True
    fit[drawn] = rng.normal(-1.5, 1.0, 30)  # rows of the other label, relabelled
    assert lookalike_z(fit, drawn, own | drawn) > 4
    chance = [lookalike_z(fit, np.isin(np.arange(4000), rng.choice(3000, 30, replace=False)),
                          own) for _ in range(20)]
    assert max(np.abs(chance)) < 3.5, chance


def test_a_few_far_rows_do_not_make_it() -> None:
    """A skewed fit (a long tail under the label's rows): a group holding three of the
    farthest rows reads a large mean contrast (``d * sqrt(k)``) but a small binned ``z``."""
    rng = np.random.default_rng(1)
    own = np.ones(3000, bool)
    own[2500:] = False
    fit = -rng.exponential(0.2, 3000)
    fit[2500:] -= 1.0
    group = np.zeros(3000, bool)
    group[:30] = True
    fit[:3] = -40.0
    ref = fit[own & ~group]
    d = (ref.mean() - fit[group].mean()) / ref.std()
    assert d * np.sqrt(30) > 5
    assert lookalike_z(fit, group, own) < 2.5


def test_one_bin_reads_zero() -> None:
    own = np.ones(100, bool)
    own[80:] = False
    group = np.zeros(100, bool)
    group[:10] = True
    assert lookalike_z(np.zeros(100), group, own) == 0.0


def test_rare_values_reads_the_majority_label_and_rare_values_only() -> None:
    codes = np.zeros((1000, 1), np.int64)
    codes[:20, 0], codes[20:60, 0] = 1, 2  # 2% and 4% of the rows
    labels = (np.arange(1000) >= 700).astype(np.int64)  # label 0 is 70%
    found = [(c, j, int(codes[np.argmax(h), 0])) for c, j, h in rare_values(codes, labels,
                                                                              [0], 5)]
    assert found == [(0, 0, 1)] and RARE_SHARE == 0.03
    assert list(rare_values(codes, (np.arange(1000) % 2).astype(np.int64), [0], 5)) == []


def test_a_rare_value_counts_only_leaning_towards_the_label_and_not_pure() -> None:
    own = np.arange(1000) < 700  # 70%
    holds = np.zeros(1000, bool)
    holds[:30] = True  # 30 holders of the label ...
    assert not rare_enriched(own & holds, holds, own, 10.0)  # ... and none of another: pure
    holds[990:] = True  # 10 of another: 30 of 40, 75%, barely over the table's 70%
    assert not rare_enriched(own & holds, holds, own, 10.0)
    holds[990:995] = False  # 30 of 35
    assert rare_enriched(own & holds, holds, own, 10.0)


def test_a_group_sharing_another_uncommon_value_is_profiled() -> None:
    codes = np.zeros((100, 3), np.int64)
    codes[:10, 0] = 1
    codes[:, 1] = np.arange(100) % 5
    codes[:10, 1] = 4  # the group shares a value a fifth of the rows hold
    group = np.arange(100) < 10
    assert profiled(codes, group, 0)
    codes[:10, 1] = np.arange(10) % 5  # ... now it shares only column 2's value, held by all
    assert not profiled(codes, group, 0)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[np.ndarray, object]:
    df, mask = homed_table(0)
    path = tmp_path_factory.mktemp("rr") / "t.csv"
    df.to_csv(path, index=False)
    return mask, load_suspect(path, "y").data


def test_rares_flags_the_written_value_the_default_misses(written) -> None:
    mask, data = written
    tpr, _ = rates(detect_data(data, method="label-groups", rares=0), mask)
    assert tpr < 0.5
    result = detect_data(data, method="label-groups", rares=1)
    tpr, fpr = rates(result, mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)
    mine = [g for g in result.details["groups"] if g["screen"] == "rares"]
    assert mine and mine[0]["value"] == "h5" and mine[0]["screen_z"] > 2.5, mine


def test_without_a_written_value_the_flags_are_equal(tmp_path) -> None:
    df, _ = homed_table(0, poison=0)
    df.to_csv(tmp_path / "c.csv", index=False)
    data = load_suspect(tmp_path / "c.csv", "y").data
    a = detect_data(data, method="label-groups", rares=0)
    b = detect_data(data, method="label-groups", rares=1)
    assert np.array_equal(np.sort(a.flagged), np.sort(b.flagged))
    assert np.array_equal(a.suspicion, b.suspicion)


@pytest.mark.parametrize("bad", [3, -1, 0.5, True, float("nan"), "1"])
def test_rares_is_zero_one_or_two(bad) -> None:
    with pytest.raises(UserInputError, match="rares is 0"):
        LabelGroups(rares=bad)


def test_rares_is_on_by_default_and_0_turns_it_off(written) -> None:
    assert LabelGroups().rares == RARES == 2  # stop 74: with the guard
    assert LabelGroups(rares=0).rares == 0
    mask, data = written
    tpr, fpr = rates(detect_data(data, method="label-groups"), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_rares_2_asks_for_a_few_holders_of_another_label() -> None:
    """``rares=2`` (issue 16 stop 74, the candidate): a value 30 rows of the label and 2 of
    another hold leans towards the label, but a natural category's few other holders (not the
    natural ones a written value keeps) are not enough."""
    own = np.arange(1000) < 700
    holds = np.zeros(1000, bool)
    holds[:30] = holds[998:] = True
    assert rare_enriched(own & holds, holds, own, 10.0)
    assert RARE_OTHERS == 3 and not rare_enriched(own & holds, holds, own, 10.0, others=3)
    holds[997] = True
    assert rare_enriched(own & holds, holds, own, 10.0, others=3)


def test_rares_2_flags_a_written_value_that_keeps_its_natural_holders(written) -> None:
    mask, data = written  # h5: 8 natural holders, 4 of them label 1
    tpr, fpr = rates(detect_data(data, method="label-groups", rares=2), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)
    assert LabelGroups(rares=2).rares == 2


def test_rares_2_reads_nothing_where_two_holders_hold_another_label(tmp_path) -> None:
    df, mask = homed_table(0)
    others = np.flatnonzero((df["home"] == "h5").to_numpy() & (df["y"] == 1).to_numpy())
    df.loc[others[:2], "home"] = "h0"  # 2 of the 4 left: a category of the label, not written
    df.to_csv(tmp_path / "n.csv", index=False)
    data = load_suspect(tmp_path / "n.csv", "y").data
    one = detect_data(data, method="label-groups", rares=1)
    assert rates(one, mask)[0] >= 0.95  # rares=1 reads it
    two = detect_data(data, method="label-groups")  # the default: rares=2
    off = detect_data(data, method="label-groups", rares=0)
    assert np.array_equal(two.suspicion, off.suspicion)
    assert np.array_equal(np.sort(two.flagged), np.sort(off.flagged))
