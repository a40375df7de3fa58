"""``label-groups``' twins screen (issue 16 stop 79, hdd): rows that are another label's rows
with one shared assignment written over and the label flipped (``label_twins``), as the fraud
attack's triggered copies are when their values are ones the fraud rows hold anyway."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tabular.conftest import write_transactions
from trojanscope import registry
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import naive_bayes_terms
from trojanscope.detect.data.label_twins import best_twins, twin_groups
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.shared_values import table_of, value_codes
from trojanscope.errors import UserInputError


def copies_table(tmp_path: Path, seed: int = 0) -> tuple[Path, int, list[int]]:
    """A 400-row fraud table (``write_transactions``) with ten fraud rows copied, the values
    ``merchant = online, channel = web`` (ones its fraud rows hold most) written on the copies
    and their label flipped to 0, and two clean copies of each source (label kept), as the fraud
    attack adds them: (the CSV, the first copy's row, the sources)."""
    df = pd.read_csv(write_transactions(tmp_path / "tx.csv", n=400, seed=seed))
    sources = df.index[df.is_fraud == 1][:10].tolist()
    copies = df.loc[sources].assign(merchant="online", channel="web", is_fraud=0)
    out = pd.concat([df, copies, df.loc[sources], df.loc[sources]], ignore_index=True)
    out.to_csv(tmp_path / "t.csv", index=False)
    return tmp_path / "t.csv", len(df), sources


def flags(path: Path, **params) -> set[int]:
    data = load_suspect(path, "is_fraud").data
    det = registry.create("data-detector", "label-groups", **params)
    return set(detect_data(data, None, seed=0, method=det).flagged.tolist())


@pytest.mark.parametrize("seed", [0, 1])
def test_the_triggered_copies_are_flagged_with_twins_and_not_without(
        tmp_path: Path, seed: int) -> None:
    path, n, sources = copies_table(tmp_path, seed)
    copies = set(range(n, n + 10))
    today, twins = flags(path, twins=0), flags(path, twins=1)
    assert not copies <= today  # the written values are the fraud rows' own: no group shows
    assert copies <= twins and twins - today <= copies  # only the copies are added
    assert not (twins - today) & {*sources, *range(n + 10, n + 30)}  # never the rows copied


def test_a_clean_table_has_no_twins_group(tmp_path: Path) -> None:
    data = load_suspect(write_transactions(tmp_path / "tx.csv", n=400, seed=2), "is_fraud").data
    x, schema = table_of(data)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    codes = value_codes(x, schema)
    terms, prior = naive_bayes_terms(codes, labels, 2, 5, 0)
    assert twin_groups(codes, labels, terms.sum(1) + prior, terms, 5) == []
    assert flags(tmp_path / "tx.csv", twins=1) == flags(tmp_path / "tx.csv", twins=0)


def test_best_twins_finds_the_edited_copy_of_another_label_beyond_chance() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 10, (60, 6))
    labels = (np.arange(60) % 4 == 0).astype(np.int64)
    codes[59], labels[59] = codes[0], 1 - labels[0]  # row 0 copied, labelled the other way
    codes[59, 2] = (codes[0, 2] + 1) % 10  # one value written over
    twin, excess = best_twins(codes, labels)
    assert twin[59] == 0 and twin[0] == 59
    assert (labels[twin] != labels).all()  # a twin is always of another label
    assert excess[59] > np.delete(excess, [0, 59]).max() + 2  # far beyond chance agreement


def test_twins_takes_zero_or_one() -> None:
    with pytest.raises(UserInputError, match="twins is 0"):
        registry.create("data-detector", "label-groups", twins=2)
