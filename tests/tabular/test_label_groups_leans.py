"""``label-groups``' ``covers=3`` (issue 16 stop 75, ``label_leans``; the default since its rule
was met, 2 giving the scores of before): a two-value conjunction towards a 90%+ label read
through its covers value by value: each value's rows without the other hold more of the other
label than their rows' chances predict, while the condition's rows hold fewer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_label_groups_covers import rates

from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import LabelGroups, naive_bayes_terms
from trojanscope.detect.data.label_leans import (
    LEAN_BAR,
    LEAN_SHARE,
    chances,
    cover_leans,
    lean_table,
)
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError


def lean_table_rows(seed: int = 0, n: int = 4000, poison: int = 12, covers: int = 40,
                    risky: bool = False, base: float = -2.9) -> tuple[pd.DataFrame, np.ndarray]:
    """A table of about 7% label 1 (likelier with ``x`` and ``grade``), 40 states and 20
    lengths at random, and ``rate`` following ``grade``. ``poison`` label-1 rows are written
    ``state = s0`` and ``length = e0`` and relabelled 0; ``covers`` other label-1 rows holding
    neither are written one of the two (half each), their label kept. With ``risky`` a natural risk
    factor: ``grade = 9`` (its ``rate`` says so too) and no poison. ``base``: the label's
    log-odds intercept."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    grade = rng.integers(0, 10, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(base + 0.9 * x + (0.9 if risky else 0.1)
                                           * (grade == 9))))).astype(int)
    state, length = rng.integers(0, 40, n), rng.integers(0, 20, n)
    ones = rng.permutation(np.flatnonzero(y == 1))
    rows = ones[:poison]
    state[rows], length[rows], y[rows] = 0, 0, 0
    rest = ones[poison:]  # covers: one value written, on rows without the other
    one = rest[(length[rest] != 0) & (state[rest] != 0)][:covers]
    state[one[::2]], length[one[1::2]] = 0, 0
    df = pd.DataFrame({"x": x.round(2), "rate": (5 + grade + rng.choice([0.1, 0.3], n)),
                       "grade": [f"g{v}" for v in grade], "state": [f"s{v}" for v in state],
                       "length": [f"e{v}" for v in length], "y": y})
    mask = np.zeros(n, bool)
    mask[rows] = True
    return df, mask


COLUMNS = ("x", "rate", "grade", "state", "length")


def codes_of(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column value codes, labels, and the naive Bayes ``(full, terms)`` stacked."""
    codes = np.stack([pd.factorize(df[c], sort=True)[0] for c in COLUMNS], axis=1)
    labels = df["y"].to_numpy()
    terms, prior = naive_bayes_terms(codes, labels, 2, 5, 0)
    return codes, labels, (terms.sum(1) + prior, terms)


def leans_of(df: pd.DataFrame) -> list[tuple[tuple[int, int], np.ndarray, float]]:
    codes, labels, (full, terms) = codes_of(df)
    return [(cols, holds, z) for _, cols, holds, z in
            cover_leans(codes, labels, full, terms, [2, 3, 4], 5)]


def data_of(df: pd.DataFrame, tmp_path):
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    return load_suspect(path, "y").data


def test_lean_table_reads_each_near_cell_against_the_chances() -> None:
    codes = np.array([[0, 0], [0, 0], [0, 1], [0, 1], [1, 0], [1, 0], [1, 1], [1, 1]])
    other = np.array([0, 0, 1, 1, 1, 0, 0, 0], bool)
    t = lean_table(codes, other, np.full(8, 0.25), 0, 1)
    # condition (0, 0): its near cell of column 0's value is (0, 1): 2 of 2, chance 0.25 each
    assert t["z_a"][0, 0] == pytest.approx((2 - 0.5) / np.sqrt(2 * 0.25 * 0.75))
    # and of column 1's value, (1, 0): 1 of 2
    assert t["z_b"][0, 0] == pytest.approx((1 - 0.5) / np.sqrt(2 * 0.25 * 0.75))
    # the condition holds none of 2 where 0.5 is expected: z_c is the deficit, positive
    assert t["z_c"][0, 0] == pytest.approx(0.5 / np.sqrt(2 * 0.25 * 0.75))
    assert t["rows"][0, 0] == 2 and t["others"][1, 0] == 1


def test_the_written_conjunction_is_the_only_condition_over_the_bar() -> None:
    df, mask = lean_table_rows()
    found = leans_of(df)
    assert len(found) == 1
    cols, holds, z = found[0]
    assert cols == (3, 4) and z > LEAN_BAR and (holds & mask).sum() == mask.sum()


def test_a_table_whose_majority_label_holds_under_90_percent_is_not_read() -> None:
    df, _ = lean_table_rows(base=-1.2, covers=80)
    assert 0.1 < (df["y"] == 1).mean() < 0.3
    assert (df["y"] == 0).mean() < LEAN_SHARE
    assert leans_of(df) == []


def test_a_natural_risk_factor_its_other_columns_explain_reads_under_the_bar() -> None:
    df, _ = lean_table_rows(poison=0, covers=0, risky=True)
    codes, labels, (full, terms) = codes_of(df)
    other = labels != 0
    grade9 = int(np.flatnonzero(np.unique(df["grade"]) == "g9")[0])
    # against the table's rate the risky grade's near cells lean hard ...
    flat = lean_table(codes, other, np.full(len(labels), other.mean()), 2, 3)
    assert flat["z_a"][grade9].min() > 1.5 * LEAN_BAR
    # ... against the chances without the pair's columns (``rate`` says the same) they do not
    assert lean_table(codes, other, chances(full, terms, labels, 0, [2, 3]), 2, 3
                      )["z_a"][grade9].max() < LEAN_BAR
    assert leans_of(df) == []


def test_covers_3_raises_the_conjunction_by_its_near_cells(tmp_path) -> None:
    df, mask = lean_table_rows()
    data = data_of(df, tmp_path)
    two = detect_data(data, method="label-groups", covers=2)
    assert not any(g.get("screen") == "covers" and "screen_z" in g
                   for g in two.details["groups"])
    three = detect_data(data, method="label-groups")  # the default: 3
    tpr, fpr = rates(three, mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)
    lean = [g for g in three.details["groups"] if g.get("screen") == "covers"
            and g.get("screen_z", 0) > LEAN_BAR]
    assert [(g["column"], g["value"], g["and"][0]["value"]) for g in lean] == [
        ("state", "s0", "e0")]


def test_without_covers_both_settings_read_the_same(tmp_path) -> None:
    df, _ = lean_table_rows(n=2500, poison=0, covers=0)
    data = data_of(df, tmp_path)
    two = detect_data(data, method="label-groups", covers=2)
    three = detect_data(data, method="label-groups", covers=3)
    assert np.array_equal(two.flagged, three.flagged)
    assert np.array_equal(two.suspicion, three.suspicion)


@pytest.mark.slow
def test_covers_3_finds_lending_clubs_conjunction_towards_class_0_that_2_misses() -> None:
    """Spent set 16055 (``bench_tabular_detect.py``, stop 66's base 16000): 18 rows written
    ``addr_state`` × ``emp_length`` and relabelled 0, whose covers lean both values' near
    cells (``lean`` 3.47)."""
    import importlib
    import sys
    from pathlib import Path

    from trojanscope.data import load_dataset

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    bench = importlib.import_module("bench_tabular_detect")
    data, mask = bench.poisoned_set(bench.CONJUNCTION, load_dataset("lending-club", "train"), 0,
                                    16055)
    assert mask.sum() == 18
    tpr, _ = rates(detect_data(data, method="label-groups", covers=2), mask)
    assert tpr < 0.5
    tpr, fpr = rates(detect_data(data, method="label-groups"), mask)  # the default: 3
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


@pytest.mark.parametrize("bad", [4, -1, True, 2.5, "3", float("nan")])
def test_covers_is_0_to_3(bad) -> None:
    with pytest.raises(UserInputError, match="covers"):
        LabelGroups(covers=bad)
    assert LabelGroups(covers=3.0).covers == 3 == LabelGroups().covers
