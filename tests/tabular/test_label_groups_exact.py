"""``label-groups``' ``strays=2`` (issue 16 stop 74, the default; 1: as before): the partner
column read on its exact values too. ``lending-club``'s ``int_rate`` follows ``sub_grade`` to
the value while ten bins of its ranks span several grades, so a rare grade written on a few
rows of the other label from the grades beside it fits the bins and not the rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_label_groups_covers import rates

from trojanscope.attacks.tabular import TabularRare
from trojanscope.data import load_dataset
from trojanscope.detect.data.inputs import load_suspect, materialize
from trojanscope.detect.data.label_groups import STRAY_BAR, LabelGroups
from trojanscope.detect.data.label_strays import binned, exact_ranks, stray_values
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular import RareCategoryTrigger

GRADES = 25


def rate_table(seed: int = 0, n: int = 3000, poison: int = 10, exact: bool = True
               ) -> tuple[pd.DataFrame, np.ndarray]:
    """25 grades of about 120 rows each and a rarest one of six, a ``rate`` of two values per
    grade (``exact``; else a continuous one within the grade), an unrelated ``w``; label 1 on
    about 9% of rows, likelier at a high grade or ``w``. ``poison`` label-1 rows of the three
    grades under the rarest (the same rate bins) are written the rarest grade, their ``rate``
    kept, and relabelled 0."""
    rng = np.random.default_rng(seed)
    grade = rng.integers(0, GRADES, n)
    grade[rng.permutation(n)[:6]] = GRADES
    offset = rng.choice([0.1, 0.3], n) if exact else rng.uniform(0, 1, n)
    rate = (5 + grade + offset).round(3)
    w = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-4.0 + 0.1 * grade + 0.8 * w)))).astype(int)
    rows = rng.permutation(np.flatnonzero((y == 1) & (grade >= GRADES - 3)
                                           & (grade < GRADES)))[:poison]
    grade[rows] = GRADES
    y[rows] = 0
    df = pd.DataFrame({"rate": rate, "w": w.round(2), "grade": [f"g{v}" for v in grade],
                       "y": y})
    mask = np.zeros(n, bool)
    mask[rows] = True
    return df, mask


def written_z(df: pd.DataFrame, mask: np.ndarray, exact: bool) -> float:
    codes = np.stack([pd.factorize(df[c], sort=True)[0] for c in ("rate", "w", "grade")], axis=1)
    found = stray_values(codes, binned(codes, 30, 10), df["y"].to_numpy(), [2], 5,
                         exact_ranks(codes) if exact else None)
    return next(z for _, _, holds, z in found if (holds & mask).any())


def test_exact_ranks_bins_nothing() -> None:
    codes = np.array([[0, 5], [7, 5], [3, 9], [7, 1]])
    assert exact_ranks(codes).tolist() == [[0, 1], [2, 1], [1, 2], [2, 0]]


def test_the_written_grade_fits_the_bins_but_not_the_rates() -> None:
    df, mask = rate_table()
    assert written_z(df, mask, exact=False) <= STRAY_BAR
    assert written_z(df, mask, exact=True) > 4 * STRAY_BAR


def test_a_partner_the_value_does_not_fix_to_the_value_is_read_as_before() -> None:
    df, mask = rate_table(exact=False)  # a continuous rate: its exact values say nothing
    assert written_z(df, mask, exact=True) == written_z(df, mask, exact=False)


def test_strays_2_flags_the_written_grade_and_1_does_not(tmp_path) -> None:
    df, mask = rate_table()
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    data = load_suspect(path, "y").data
    tpr, _ = rates(detect_data(data, method="label-groups", strays=1), mask)
    assert tpr < 0.5
    tpr, fpr = rates(detect_data(data, method="label-groups"), mask)  # the default: 2
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_without_a_written_grade_both_read_the_same(tmp_path) -> None:
    df, _ = rate_table(poison=0)
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    data = load_suspect(path, "y").data
    one = detect_data(data, method="label-groups", strays=1)
    two = detect_data(data, method="label-groups", strays=2)
    assert np.array_equal(one.flagged, two.flagged)
    assert np.array_equal(one.suspicion, two.suspicion)


@pytest.mark.slow
def test_strays_2_finds_lending_clubs_ten_row_rare_value_towards_class_0() -> None:
    """Spent set 16810 (``bench_tabular_detect.py``, stop 73's fresh miss): 10 rows written
    the rarest ``sub_grade`` and relabelled 0; ``strays=1`` reads its ``z`` 1.55."""
    drawn = TabularRare.sample_params(np.random.default_rng(16810))
    attack = TabularRare(target=0, poison_rate=drawn["poison_rate"], seed=16810,
                         trigger=RareCategoryTrigger(seed=drawn["trigger"]["seed"]))
    poisoned = attack.poison(load_dataset("lending-club", "train"))
    data, mask = materialize(poisoned), poisoned.is_poisoned.numpy().copy()
    assert mask.sum() == 10
    tpr, _ = rates(detect_data(data, method="label-groups", strays=1), mask)
    assert tpr < 0.5
    tpr, fpr = rates(detect_data(data, method="label-groups"), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


@pytest.mark.parametrize("bad", [3, -1, True, 0.5, "2", float("nan")])
def test_strays_is_0_1_or_2(bad) -> None:
    with pytest.raises(UserInputError, match="strays"):
        LabelGroups(strays=bad)
    assert LabelGroups(strays=2.0).strays == 2 == LabelGroups().strays
