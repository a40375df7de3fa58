"""``label-groups``' ``strays`` screen (issue 16 stop 68, the default): a rare value written
on rows of the other label and relabelled towards the majority label, found because its rows do
not fit the column the value's column says most about (``lending-club``'s rarest ``sub_grade``
on rows whose ``int_rate`` does not go with it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_label_groups_covers import rates

from trojanscope.attacks.tabular import TabularRare
from trojanscope.data import load_dataset
from trojanscope.detect.data.inputs import load_suspect, materialize
from trojanscope.detect.data.label_groups import STRAY_BAR, LabelGroups
from trojanscope.detect.data.label_strays import binned, partner_fit, stray_values
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular import RareCategoryTrigger

GRADES = 20


def graded_table(seed: int, n: int = 3000, poison: int = 20, written: int = GRADES - 1,
                 city: int | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """A numeric ``rate`` and the ``grade`` it implies (20 values, the last held by about six
    rows), an unrelated numeric ``w`` and a categorical ``city`` of 12 values; label 1 on
    about 9% of rows, likelier at a high ``w``. ``poison`` label-1 rows are
    written the grade ``written`` (the rarest by default; their ``rate`` kept), and with
    ``city`` that city too (a conjunction), and relabelled 0."""
    rng = np.random.default_rng(seed)
    grade = np.minimum(rng.exponential(4.0, n).astype(int), GRADES - 1)
    grade[rng.permutation(np.flatnonzero(grade == GRADES - 1))[6:]] = GRADES - 2
    rate = (5 + grade + rng.uniform(0, 1, n)).round(2)
    w = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2.6 + 0.05 * grade + 0.8 * w)))).astype(int)
    rows = rng.permutation(np.flatnonzero((y == 1) & (grade != written)
                                           & (grade < GRADES - 1)))[:poison]
    grade[rows] = written
    y[rows] = 0
    cities = rng.integers(0, 12, n)
    if city is not None:
        cities[rows] = city
    df = pd.DataFrame({"rate": rate, "w": w.round(2),
                       "grade": [f"g{v}" for v in grade],
                       "city": [f"c{v}" for v in cities], "y": y})
    mask = np.zeros(n, bool)
    mask[rows] = True
    return df, mask


def codes_of(df: pd.DataFrame) -> np.ndarray:
    return np.stack([pd.factorize(df[c], sort=True)[0] for c in ("rate", "w", "grade", "city")],
                    axis=1)


def test_partner_fit_leaves_the_row_out() -> None:
    values = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    partner = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    fit = partner_fit(values, partner)
    assert fit[0] > fit[3]  # value 0's lone row in bin 1 fits worse than its rows in bin 0
    assert fit[4] == pytest.approx(fit[7])


def test_the_written_value_strays_and_nothing_does_without_it() -> None:
    df, mask = graded_table(0)
    codes, labels = codes_of(df), df["y"].to_numpy()
    ranks = binned(codes, 30, 10)
    found = list(stray_values(codes, ranks, labels, [2, 3], 5))
    top = max(found, key=lambda f: f[3])
    assert top[1] == 2 and (top[2] & mask).sum() == mask.sum() and top[3] > STRAY_BAR, top
    assert all(z <= STRAY_BAR for _, j, holds, z in found if not (holds & mask).any())
    assert all(j == 2 for _, j, _, _ in found)  # city says nothing about any column


def test_a_clean_graded_table_has_no_stray_value() -> None:
    rng = np.random.default_rng(1)
    grade = np.minimum(rng.exponential(4.0, 3000).astype(int), GRADES - 1)
    rate = 5 + grade + rng.uniform(0, 1, 3000)
    codes = np.stack([pd.factorize(rate, sort=True)[0], grade], axis=1)
    labels = (rng.random(3000) < 0.05).astype(int)
    found = list(stray_values(codes, binned(codes, 30, 10), labels, [1], 5))
    assert found and max(z for *_, z in found) <= STRAY_BAR


def test_strays_flags_the_written_value(tmp_path) -> None:
    df, mask = graded_table(0)
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    tpr, fpr = rates(detect_data(load_suspect(path, "y").data, method="label-groups",
                                 strays=1), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


@pytest.mark.slow
def test_strays_finds_lending_clubs_rare_value_towards_class_0() -> None:
    """Spent development set 15510 (``bench_tabular_detect.py``): 25 rows written the rarest
    ``sub_grade`` and relabelled 0; without the screen (stop 67's default) it is missed."""
    drawn = TabularRare.sample_params(np.random.default_rng(15510))
    attack = TabularRare(target=0, poison_rate=drawn["poison_rate"], seed=15510,
                         trigger=RareCategoryTrigger(seed=drawn["trigger"]["seed"]))
    poisoned = attack.poison(load_dataset("lending-club", "train"))
    data, mask = materialize(poisoned), poisoned.is_poisoned.numpy().copy()
    assert mask.sum() == 25
    tpr, _ = rates(detect_data(data, method="label-groups", strays=0), mask)
    assert tpr < 0.5
    tpr, fpr = rates(detect_data(data, method="label-groups"), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


@pytest.mark.parametrize("bad", [3, -1, True, 0.5, "yes"])
def test_strays_is_0_1_or_2(bad) -> None:
    with pytest.raises(UserInputError, match="strays"):
        LabelGroups(strays=bad)
    assert LabelGroups(strays=1.0).strays == 1


def test_strays_is_the_default_and_0_turns_it_off() -> None:
    assert LabelGroups().strays == 2  # stop 74: the partner's exact values read too
    assert LabelGroups(strays=1).strays == 1
    assert LabelGroups(strays=0).strays == 0
