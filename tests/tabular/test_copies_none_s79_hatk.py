"""Copies where the default rate relabels none (issue 16 stop 79, hatk): with
``auto_copies_none_least`` = 5 a fraud table whose training split holds 5-10 fraud rows gets one
triggered copy of each instead of the "relabels none" refusal; the automatic copies never
outnumber the rows they copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular import TabularBadNets


@pytest.fixture(autouse=True)
def automatic_copies(monkeypatch) -> None:
    """Stop 78's ``auto_copies = 10``, reverted at stop 80 (hatk): these tests read the
    automatic copies' counts, so they set it."""
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)


def test_automatic_copies_never_outnumber_the_rows_they_copy(monkeypatch) -> None:
    monkeypatch.setattr(TabularBadNets, "auto_copies_least", 5)
    assert TabularBadNets().copy_count(7) == 7 and TabularBadNets().copy_count(12) == 10
    assert TabularBadNets(copies=10).copy_count(7) == 10  # asked for: as given


def test_copies_where_the_rate_relabels_none(monkeypatch) -> None:
    monkeypatch.setattr(TabularBadNets, "auto_copies_none_least", 0)
    assert TabularBadNets().copy_count(8) == 0  # off: the refusal, as before
    monkeypatch.setattr(TabularBadNets, "auto_copies_none_least", 5)
    counts = {e: TabularBadNets().copy_count(e) for e in (4, 5, 8, 10, 11, 19, 20, 189, 190)}
    # 5 % of 11-19 rows relabels one row: in place, as before; 20 or more: stop 78's copies
    assert counts == {4: 0, 5: 5, 8: 8, 10: 10, 11: 0, 19: 0, 20: 10, 189: 10, 190: 0}
    assert TabularBadNets(poison_rate=0.05).copy_count(8) == 0  # a rate given is kept
    assert TabularBadNets(min_poison_rows=3).copy_count(8) == 0


def few_fraud(path: Path, fraud: int = 11) -> Path:
    """``write_transactions``' rows with only the first ``fraud`` of its fraud rows kept."""
    import pandas as pd

    from tabular.conftest import write_transactions

    df = pd.read_csv(write_transactions(path, n=300, seed=4))
    keep = np.flatnonzero(df["is_fraud"].to_numpy() == 1)[:fraud]
    df["is_fraud"] = 0
    df.loc[keep, "is_fraud"] = 1
    df.to_csv(path, index=False)
    return path


def test_a_split_the_rate_relabels_none_of_gets_one_copy_of_each_row(tmp_path: Path,
                                                                     monkeypatch) -> None:
    from trojanscope.data.resolve import load_dataset
    from trojanscope.errors import UserInputError

    csv = few_fraud(tmp_path / "tx.csv")
    train = load_dataset(csv, "train", label_column="is_fraud")
    eligible = int((train.labels.numpy() == 1).sum())
    assert 5 <= eligible <= 10  # the table this test needs
    monkeypatch.setattr(TabularBadNets, "auto_copies_none_least", 0)
    with pytest.raises(UserInputError, match="relabels none"):
        TabularBadNets().poison(train, generator=torch.Generator().manual_seed(3))
    monkeypatch.setattr(TabularBadNets, "auto_copies_none_least", 5)
    attack = TabularBadNets()
    got = attack.poison(train, generator=torch.Generator().manual_seed(3))
    assert len(got) == len(train) + 3 * eligible and len(got.poison_indices) == eligible
    assert attack.added["rate_count"] == 0 and attack.added["auto"]
    assert len(set(attack.added["sources"])) == eligible  # each fraud row copied once


def test_automatic_copies_at_most_the_rows_over_the_share(monkeypatch) -> None:
    # issue 16 stop 80 (hatk): ``auto_copies_share`` K caps the automatic copies at e // K
    assert TabularBadNets.auto_copies_share == 1  # the shipped count: min(10, e)
    monkeypatch.setattr(TabularBadNets, "auto_copies_share", 3)
    counts = {e: TabularBadNets().copy_count(e) for e in (19, 20, 26, 29, 30, 189, 190)}
    assert counts == {19: 0, 20: 6, 26: 8, 29: 9, 30: 10, 189: 10, 190: 0}
    assert TabularBadNets(copies=10).copy_count(20) == 10  # asked for: as given
