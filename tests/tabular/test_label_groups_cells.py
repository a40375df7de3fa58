"""``label-groups``' per-cell contrast (issue 16 stop 69, ``cells=1``, the default): a two-value
conjunction relabelled towards the majority label, on two columns whose values shift the label
by themselves, read by the interaction of its four cells (``label_cells``) rather than against
its near rows as a whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_label_groups_covers import rates

from trojanscope.detect.data import label_cells
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_cells import cell_contrasts
from trojanscope.detect.data.label_groups import CELL_BAR, LabelGroups
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError

HOME = np.array([0.0, 0.3, -0.3, 0.6, 0.9, 1.2])  # each value's own log-odds of label 1
MARITAL = np.array([0.0, -0.2, 0.4, 0.8, 1.0])


def additive(rng: np.random.Generator, n: int, intercept: float
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``home``, ``marital`` and a label whose log-odds each value shifts additively."""
    home = rng.choice(6, n, p=[0.3, 0.25, 0.2, 0.12, 0.08, 0.05])
    marital = rng.choice(5, n, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    logit = intercept + HOME[home] + MARITAL[marital]
    return home, marital, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def risk_table(seed: int, n: int = 3000, poison: int = 12, effects: tuple = (HOME, MARITAL),
               trigger: tuple[int, int] = (4, 3)) -> tuple[pd.DataFrame, np.ndarray]:
    """Label 1 on about a quarter of the rows, driven by two numeric columns and, additively,
    by ``home`` (6 values) and ``marital`` (5 values), each value's log-odds in ``effects``.
    ``poison`` label-1 rows are written the ``trigger`` values (``h4`` and ``m3``) and
    relabelled 0; twice as many other label-1 rows are written one of the two (covers, label
    kept)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    home = rng.choice(6, n, p=[0.3, 0.25, 0.2, 0.12, 0.08, 0.05])
    marital = rng.choice(5, n, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    logit = -1.6 + 0.7 * x[:, 0] + 0.5 * x[:, 1] + effects[0][home] + effects[1][marital]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    h, m = trigger
    ones = rng.permutation(np.flatnonzero((y == 1) & (home != h) & (marital != m)))
    rows, covers = ones[:poison], ones[poison:3 * poison]
    home[rows], marital[rows], y[rows] = h, m, 0
    home[covers[1::2]] = h
    marital[covers[0::2]] = m
    df = pd.DataFrame(x, columns=["w", "x"]).round(2)
    df["home"] = [f"h{v}" for v in home]
    df["marital"] = [f"m{v}" for v in marital]
    df["y"] = y
    mask = np.zeros(n, bool)
    mask[rows] = True
    return df, mask


def codes_of(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    codes = np.stack([pd.factorize(df[c], sort=True)[0] for c in ("home", "marital")], axis=1)
    return codes, df["y"].to_numpy()


def test_the_trigger_reads_over_the_bar_and_is_the_best_condition() -> None:
    df, mask = risk_table(3)
    codes, labels = codes_of(df)
    found = sorted(cell_contrasts(codes, labels, [0, 1], 5), key=lambda f: -f["z"])
    top = found[0]
    assert top["label"] == 0 and top["cols"] == (0, 1)
    assert (top["holds"] & mask).sum() == mask.sum() and top["z"] > CELL_BAR, top
    # the four cells: the condition, the two near cells, the rest, as (rows, label rows)
    (nh, mh), (na, ma), (nb, mb), (nr, _) = top["cells"]
    assert nh + na + nb + nr == len(df) and mh == top["rows"]
    assert ma < 0.74 * na and mb < 0.74 * nb  # both near cells lean away (the covers)


def test_additive_risk_factors_read_no_interaction() -> None:
    """Without the attack the two columns shift the label additively: no condition over the
    bar, though single values lean far from the table's share."""
    home, marital, labels = additive(np.random.default_rng(5), 6000, -1.2)
    found = list(cell_contrasts(np.stack([home, marital], axis=1), labels, [0, 1], 5))
    assert all(f["z"] <= CELL_BAR for f in found), max(f["z"] for f in found)


def test_another_labels_conjunction_in_a_near_cell_is_left_out(monkeypatch) -> None:
    """120 label-0 rows written ``h4`` and ``m3`` and relabelled 1 (a conjunction towards the
    minority label) fill the near cell of every label-0 condition holding ``h4``: without the
    block guard such a condition reads over the bar, with it none does (seed 0)."""
    rng = np.random.default_rng(0)
    home, marital, labels = additive(rng, 3000, -1.6)
    rows = rng.permutation(np.flatnonzero((labels == 0) & (home != 4)))[:120]
    home[rows], marital[rows], labels[rows] = 4, 3, 1
    codes = np.stack([home, marital], axis=1)
    assert max(f["z"] for f in cell_contrasts(codes, labels, [0, 1], 5)) <= CELL_BAR
    monkeypatch.setattr(label_cells, "BLOCK", np.inf)
    assert max(f["z"] for f in cell_contrasts(codes, labels, [0, 1], 5)) > CELL_BAR


def test_no_majority_label_reads_nothing() -> None:
    codes = np.stack([np.arange(100) % 4, np.arange(100) % 5], axis=1)
    assert list(cell_contrasts(codes, np.arange(100) % 2, [0, 1], 5)) == []


def test_cells_flags_the_trigger_stop_68s_default_misses(tmp_path) -> None:
    df, mask = risk_table(3)
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    data = load_suspect(path, "y").data
    tpr, _ = rates(detect_data(data, method="label-groups", cells=0), mask)
    assert tpr < 0.5  # stop 68's default misses it
    tpr, fpr = rates(detect_data(data, method="label-groups"), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


@pytest.mark.parametrize("bad", [2, -1, True, 0.5, "yes"])
def test_cells_is_0_or_1(bad) -> None:
    with pytest.raises(UserInputError, match="cells"):
        LabelGroups(cells=bad)
    assert LabelGroups(cells=1.0).cells == 1


def test_cells_is_the_default_and_0_turns_it_off() -> None:
    assert LabelGroups().cells == 1
    assert LabelGroups(cells=0).cells == 0
