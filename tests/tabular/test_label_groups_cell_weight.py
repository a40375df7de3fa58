"""``label-groups``' ``cell_weight`` (issue 16 stop 70; 2, the default; 0: off): a ``cells``
condition scored by its interaction's ``z`` over ``CELL_BAR``, and scored even where its label
share is under the table's: a two-value trigger towards the majority label on two values that
each shift the label away by themselves keeps the other label's natural rows in the condition,
so its pair score is never read (its share is not above the table's) though the screen reads it
first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_label_groups_cells import risk_table
from test_label_groups_covers import rates

from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_cells import cell_contrasts
from trojanscope.detect.data.label_groups import CELL_BAR, LabelGroups, group_scores
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.shared_values import value_codes
from trojanscope.errors import UserInputError

HOME = np.array([0.0, 0.3, -0.3, 0.6, 0.9, 1.6])  # each value's own log-odds of label 1
MARITAL = np.array([0.0, -0.2, 0.4, 0.8, 1.4])


def strong_risk_table(seed: int = 0, poison: int = 20) -> tuple[pd.DataFrame, np.ndarray]:
    """``risk_table`` whose ``h5`` and ``m4`` raise label 1 strongly and additively, so rows
    holding both are mostly label 1; ``poison`` label-1 rows written both and relabelled 0,
    twice as many covers written one of the two."""
    return risk_table(seed, poison=poison, effects=(HOME, MARITAL), trigger=(5, 4))


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tuple[pd.DataFrame, np.ndarray, object]:
    df, mask = strong_risk_table()
    path = tmp_path_factory.mktemp("cw") / "t.csv"
    df.to_csv(path, index=False)
    return df, mask, load_suspect(path, "y").data


def test_the_trigger_is_read_over_the_bar_with_its_share_under_the_tables(table) -> None:
    df, mask, _ = table
    codes = np.stack([pd.factorize(df[c], sort=True)[0] for c in ("home", "marital")], axis=1)
    labels = df["y"].to_numpy()
    top = max(cell_contrasts(codes, labels, [0, 1], 5), key=lambda f: f["z"])
    assert top["z"] > CELL_BAR and (top["holds"] & mask).sum() == mask.sum(), top
    rows, label_rows = top["cells"][0]
    assert label_rows / rows < (labels == 0).mean()  # natural label-1 rows in the condition


def test_cell_weight_flags_the_trigger_stop_69s_default_misses(table) -> None:
    _, mask, data = table
    tpr, _ = rates(detect_data(data, method="label-groups", cell_weight=0), mask)
    assert tpr < 0.5
    tpr, fpr = rates(detect_data(data, method="label-groups"), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_without_a_condition_over_the_bar_the_flags_are_equal(tmp_path) -> None:
    """The same table without the attack: no condition reads over the bar, nothing moves."""
    rng = np.random.default_rng(1)
    home = rng.choice(6, 3000, p=[0.3, 0.25, 0.2, 0.12, 0.08, 0.05])
    marital = rng.choice(5, 3000, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    logit = -1.2 + HOME[home] + MARITAL[marital]
    labels = (rng.random(3000) < 1 / (1 + np.exp(-logit))).astype(int)
    codes = np.stack([home, marital], axis=1)
    assert all(f["z"] <= CELL_BAR for f in cell_contrasts(codes, labels, [0, 1], 5))
    df = pd.DataFrame({"amount": rng.normal(size=3000).round(2), "home": home.astype(str),
                       "marital": marital.astype(str), "y": labels})
    df.to_csv(tmp_path / "c.csv", index=False)
    data = load_suspect(tmp_path / "c.csv", "y").data
    a = detect_data(data, method="label-groups", cell_weight=0)
    b = detect_data(data, method="label-groups")
    assert np.array_equal(np.sort(a.flagged), np.sort(b.flagged))


def test_rows_that_look_like_their_own_label_are_not_raised(tmp_path) -> None:
    """20 label-0 rows that look like label 0 (low ``w``), written ``h5`` and ``m4`` without a
    relabel, beside 40 label-1 covers: the condition reads over the bar, but its rows' ``d``
    is under 0 (not drawn from the other label), so ``cell_weight`` adds nothing (seed 1)."""
    rng = np.random.default_rng(1)
    df, _ = strong_risk_table(1, poison=0)
    zeros = rng.permutation(np.flatnonzero((df["y"] == 0) & (df["home"] != "h5")
                                           & (df["marital"] != "m4") & (df["w"] < 0)))[:20]
    ones = rng.permutation(np.flatnonzero((df["y"] == 1) & (df["home"] != "h5")
                                          & (df["marital"] != "m4")))[:40]
    df.loc[zeros, ["home", "marital"]] = ["h5", "m4"]
    df.loc[ones[1::2], "home"], df.loc[ones[0::2], "marital"] = "h5", "m4"
    df.to_csv(tmp_path / "t.csv", index=False)
    data = load_suspect(tmp_path / "t.csv", "y").data
    codes = value_codes(data.x.numpy().reshape(len(df), -1), schema_of(data))
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    _, groups = group_scores(codes, data.y.numpy().astype(np.int64), LabelGroups(cell_weight=2),
                             categorical)
    cell = [g for g in groups if "cell" in g and g["rows"] == 20]
    assert cell and cell[0]["cell"] > CELL_BAR and cell[0]["d"] < 0, cell
    assert cell[0]["score"] <= 0
    a = detect_data(data, method="label-groups", cell_weight=0)
    b = detect_data(data, method="label-groups")
    assert np.array_equal(np.sort(a.flagged), np.sort(b.flagged))


@pytest.mark.parametrize("bad", [-0.5, 10.5, True, float("nan"), "2"])
def test_cell_weight_is_a_number_from_0_to_10(bad) -> None:
    with pytest.raises(UserInputError, match="cell_weight"):
        LabelGroups(cell_weight=bad)
    assert LabelGroups(cell_weight=1).cell_weight == 1.0


def test_cell_weight_is_2_by_default_and_0_turns_it_off() -> None:
    assert LabelGroups().cell_weight == 2.0
    assert LabelGroups(cell_weight=0).cell_weight == 0.0
