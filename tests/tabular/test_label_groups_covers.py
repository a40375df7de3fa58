"""``label-groups``' ``covers`` screen (issue 16 stop 66; with its every-cell guard the default
since stop 67): a conjunction of three categories relabelled towards a 95% label, its covers
(other-label rows holding a proper subset) keeping their label, found by how far the rows
holding all but one of its values lean away from the label while the rows holding all of them
do not (``label_covers``)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import torch

from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_covers import cover_conditions, near_rows
from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError

torch.set_num_threads(1)
WIDE = 40  # values per categorical column: wider than pairs read (30)


def triple_table(seed: int, n: int = 3000, poison: int = 12) -> tuple[pd.DataFrame, np.ndarray]:
    """Two numeric columns drive label 1 (about 5% of rows); three categorical columns of 40
    values each. ``poison`` label-1 rows are written ``a1``, ``b1``, ``c1`` and relabelled 0;
    twice as many other label-1 rows are written a proper subset (covers, label kept)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    cats = rng.integers(0, WIDE, size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3.4 + 0.8 * x[:, 0] + 0.8 * x[:, 1])))).astype(int)
    ones = rng.permutation(np.flatnonzero(y == 1))
    rows, covers = ones[:poison], ones[poison:3 * poison]
    cats[rows] = 1
    y[rows] = 0
    subsets = [s for r in (1, 2) for s in combinations(range(3), r)]
    for i, row in enumerate(covers):
        for j in subsets[i % len(subsets)]:
            cats[row, j] = 1
    df = pd.DataFrame(x, columns=["w", "x"]).round(2)
    for j, name in enumerate("abc"):
        df[name] = [f"{name}{v}" for v in cats[:, j]]
    df["y"] = y
    mask = np.zeros(n, bool)
    mask[rows] = True
    return df, mask


def rates(result, mask: np.ndarray) -> tuple[float, float]:
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    return float(flagged[mask].mean()), float(flagged[~mask].mean())


# seeds 0 and 1 are found, seed 2 is not (its triple is under the table's cut); seed 1 is slow
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow)])
def test_covers_finds_a_triple_of_wide_columns_towards_a_95_percent_label(tmp_path,
                                                                          seed) -> None:
    df, mask = triple_table(seed)
    assert (df["y"] == 0).mean() >= 0.94
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    data = load_suspect(path, "y").data
    tpr, _ = rates(detect_data(data, method="label-groups", covers=0), mask)
    assert tpr < 0.5  # without covers the triple is never read, its pairs hold covers
    result = detect_data(data, method="label-groups", covers=1)
    tpr, fpr = rates(result, mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)
    best = result.details["groups"][0]
    assert best["label"] == 0 and len(best["and"]) == 2, best


def test_near_rows_hold_all_but_one_value() -> None:
    codes = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 0]])
    assert near_rows(codes, (0, 1, 2), 0).tolist() == [False, True, False, True, False]
    assert near_rows(codes, (0, 1), 0).tolist() == [False, False, True, True, False]


def test_cover_conditions_read_conditions_whose_near_rows_lean_away() -> None:
    df, mask = triple_table(0)
    codes = np.stack([pd.factorize(df[c])[0] for c in "abc"], axis=1)
    labels = df["y"].to_numpy()
    found = [(cols, holds) for _, cols, holds in cover_conditions(codes, labels, [0, 1, 2],
                                                                   set(), 5)]
    assert any(cols == (0, 1, 2) and (holds == mask).sum() >= len(mask) - 5
               for cols, holds in found)
    for cols, holds in found:  # each one's near rows lean away from label 0
        near = near_rows(codes, cols, int(np.argmax(holds)))
        assert (labels[near] == 0).mean() < (labels == 0).mean()
    narrow = [cols for _, cols, _ in cover_conditions(codes, labels, [0, 1, 2], {0, 1}, 5)]
    assert (0, 1) not in narrow  # a pair that conjunctions reads already


@pytest.mark.parametrize("bad", [4, -1, True, 0.5, "yes"])
def test_a_bad_covers_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match="covers"):
        LabelGroups(covers=bad)


def test_the_cli_refuses_a_bad_covers_in_one_line(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(60)))
    code = run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "-p", "covers=4"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "covers" in err, err
