"""``label-groups -p covers=2`` (issue 16 stop 67): the every-cell guard. A condition towards
the majority label counts only where each cell of its near rows (the rows missing one given
value) leans away from the label; a conjunction towards the other label that shares one of its
values fills one cell only (stop 66's lost set 15357)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_label_groups_covers import rates, triple_table

from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_covers import cells_lean_away, cover_conditions, near_rows
from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.detect.data.run import detect_data


def other_conjunction(seed: int, n: int = 3000, poison: int = 150
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three categorical columns of 40 values, label 1 on about 8% of rows at random; then
    ``poison`` label-0 rows are written value 1 on columns 0 and 1 and relabelled 1 (a
    conjunction towards the minority label). Returns codes, labels, the poison mask."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 40, size=(n, 3))
    labels = (rng.random(n) < 0.08).astype(int)
    pool = np.flatnonzero((labels == 0) & (codes[:, 0] != 1) & (codes[:, 1] != 1))
    rows = rng.permutation(pool)[:poison]
    codes[rows, :2] = 1
    labels[rows] = 1
    mask = np.zeros(n, bool)
    mask[rows] = True
    return codes, labels, mask


def test_cells_lean_away_needs_every_cell_non_empty_and_leaning() -> None:
    codes = np.array([[1, 1], [1, 0], [1, 2], [0, 1], [2, 1], [0, 0]])
    own = np.array([True, False, False, False, True, True])  # share 0.5
    near = near_rows(codes, (0, 1), 0)  # rows 1, 2 (value 1 on column 0) and 3, 4 (column 1)
    assert near.tolist() == [False, True, True, True, True, False]
    assert not cells_lean_away(codes, (0, 1), 0, near, own, 0.5)  # rows 3, 4: half own
    own[4] = False
    assert cells_lean_away(codes, (0, 1), 0, near, own, 0.5)
    assert not cells_lean_away(codes, (0, 1), 0, near & (codes[:, 0] == 1), own, 0.5)  # empty


def test_the_guard_drops_conditions_whose_lean_is_another_conjunctions_rows() -> None:
    codes, labels, mask = other_conjunction(0)

    def holding_poison(every_cell: bool) -> tuple[int, int]:
        found = list(cover_conditions(codes, labels, [0, 1, 2], set(), 5, 10.0, 0.75,
                                      every_cell=every_cell))
        heavy = sum(mask[near_rows(codes, cols, int(np.argmax(holds)))].sum() >= mask.sum() / 2
                    for _, cols, holds in found)
        return heavy, len(found)

    assert holding_poison(False) == (7, 7)  # covers=1: seven, each leaning through the poison
    assert holding_poison(True) == (0, 0)


def test_the_guard_keeps_a_triples_covers() -> None:
    df, mask = triple_table(0)
    codes = np.stack([pd.factorize(df[c])[0] for c in "abc"], axis=1)
    labels = df["y"].to_numpy()
    found = list(cover_conditions(codes, labels, [0, 1, 2], set(), 5, every_cell=True))
    assert any(cols == (0, 1, 2) and (holds == mask).sum() >= len(mask) - 5
               for _, cols, holds in found)
    share = (labels == 0).mean()
    for _, cols, holds in found:
        row = int(np.argmax(holds))
        for j in cols:
            cell = near_rows(codes, cols, row) & (codes[:, j] != codes[row, j])
            assert cell.any() and (labels[cell] == 0).mean() < share


@pytest.mark.slow
def test_covers_2_finds_the_triple_as_covers_1(tmp_path) -> None:
    df, mask = triple_table(0)
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    data = load_suspect(path, "y").data
    tpr, fpr = rates(detect_data(data, method="label-groups", covers=2), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_covers_2_is_taken() -> None:
    assert LabelGroups(covers=2).covers == 2
    assert LabelGroups(covers=2.0).covers == 2
