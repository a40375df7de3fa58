"""``label-groups``' ``collapse`` (issue 16 stop 78, hdd; opt-in): a fraud row and four exact
copies of it (the fraud attack's clean copies where one source is drawn twice) are one row's
evidence. By default they form a 5-row group sharing an exact amount, enriched in the fraud
label, and are flagged; with ``collapse=1`` they count once and are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabular.conftest import write_transactions
from trojanscope import registry
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import distinct_rows
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError


def test_distinct_rows_keeps_the_first_of_each_copy_and_maps_every_row_back() -> None:
    x = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, np.nan], [1.0, 2.0], [3.0, np.nan]])
    labels = np.array([0, 0, 1, 1, 1])  # row 3 holds row 0's values with another label
    keep, back = distinct_rows(x, labels)
    assert keep.tolist() == [0, 2, 3] and back.tolist() == [0, 0, 1, 2, 1]


def test_a_fraud_row_and_four_copies_are_flagged_by_default_and_not_collapsed(
        tmp_path: Path) -> None:
    df = pd.read_csv(write_transactions(tmp_path / "tx.csv", n=400, seed=1))
    fraud = df.index[df.is_fraud == 1]
    df = pd.concat([df[df.is_fraud == 0], df.loc[fraud[:10]]], ignore_index=True)  # ~3 % fraud
    n = len(df)
    pd.concat([df, df.loc[[n - 1] * 4]], ignore_index=True).to_csv(tmp_path / "t.csv",
                                                                   index=False)
    data = load_suspect(tmp_path / "t.csv", "is_fraud").data
    copies = [n - 1, *range(n, n + 4)]
    flags = {c: set(detect_data(data, None, seed=0, method=registry.create(
        "data-detector", "label-groups", collapse=c)).flagged.tolist()) for c in (0, 1)}
    assert flags[0] == set(copies)  # the copies' shared amount is the table's top group
    assert not flags[1] & set(copies)


def test_collapse_takes_zero_or_one() -> None:
    with pytest.raises(UserInputError, match="collapse is 0"):
        registry.create("data-detector", "label-groups", collapse=2)
