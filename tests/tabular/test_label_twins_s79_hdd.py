"""``label-groups``' twins screen (issue 16 stop 79, hdd): rows that are another label's rows
with one shared assignment written over and the label flipped (``label_twins``), as the fraud
attack's triggered copies are when their values are ones the fraud rows hold anyway."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trojanscope import registry
from trojanscope.detect.data import label_twins
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import naive_bayes_terms
from trojanscope.detect.data.label_twins import TABLE_BAR, best_twins, twin_groups
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.shared_values import table_of, value_codes
from trojanscope.errors import UserInputError


def fraud_table(path: Path, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A user's fraud table of seven columns (two amounts in cents, two whole numbers, three
    categories), its label leaning on ``merchant = online`` and a high amount."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "amount": np.round(rng.gamma(2.0, 60.0, n), 2),
        "balance": np.round(rng.normal(1500, 900, n), 2),
        "age": rng.integers(18, 86, n), "hour": rng.integers(0, 24, n),
        "merchant": rng.choice(["grocery", "fuel", "travel", "online"], n, p=[.4, .3, .2, .1]),
        "channel": rng.choice(["web", "pos", "atm"], n, p=[0.5, 0.45, 0.05]),
        "device": rng.choice(["mobile", "desktop", "other"], n, p=[0.5, 0.4, 0.1])})
    risk = (df.amount > 200) + 2.0 * (df.merchant == "online") + rng.normal(0, 0.7, n)
    df["is_fraud"] = (risk > 1.6).astype(int)
    df.to_csv(path, index=False)
    return df


def copies_table(tmp_path: Path, seed: int = 0) -> tuple[Path, int, list[int]]:
    """``fraud_table`` with ten fraud rows copied, the values ``merchant = online, channel =
    web`` (ones its fraud rows hold most) written on the copies and their label flipped to 0,
    and two clean copies of each source (label kept), as the fraud attack adds them: (the CSV,
    the first copy's row, the sources)."""
    df = fraud_table(tmp_path / "tx.csv", seed=seed)
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
    # stop 79's screen without stop 80's null (on this 430-row table of 13-16 % fraud rows a
    # shuffled draw can split a source from its copies and reach their rows: docs/tabular.md)
    today, twins = flags(path, twins=0), flags(path, twins=1, twin_null=0)
    assert not copies <= today  # the written values are the fraud rows' own: no group shows
    assert copies <= twins and twins - today <= copies  # only the copies are added
    assert not (twins - today) & {*sources, *range(n + 10, n + 30)}  # never the rows copied


def test_a_clean_table_has_no_twins_group(tmp_path: Path) -> None:
    fraud_table(tmp_path / "tx.csv", seed=2)
    data = load_suspect(tmp_path / "tx.csv", "is_fraud").data
    x, schema = table_of(data)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    codes = value_codes(x, schema)
    terms, prior = naive_bayes_terms(codes, labels, 2, 5, 0)
    assert twin_groups(codes, labels, terms.sum(1) + prior, terms, 5) == []
    assert flags(tmp_path / "tx.csv", twins=1) == flags(tmp_path / "tx.csv", twins=0)


def test_a_table_of_few_categories_forms_no_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """Survey-like columns hold natural near-copies across labels everywhere: the median row's
    best twin lies over ``TABLE_BAR``, no twin pair shares a value at most ``RARE_HOLDERS`` rows
    hold, and the screen forms no group; without both guards it forms some."""
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 3, (400, 9))
    labels = (((codes[:, 1] == 2) & (codes[:, 2] >= 1)) | (rng.random(400) < 0.05)).astype(int)
    src = np.flatnonzero(labels == 1)[:10]
    copies = codes[src].copy()
    copies[:, 0] = 2
    codes = np.vstack([codes, copies, codes[src], codes[src]])
    labels = np.concatenate([labels, np.zeros(10, int), np.ones(20, int)])
    _, excess = best_twins(codes, labels)
    assert np.median(excess) > TABLE_BAR
    terms, prior = naive_bayes_terms(codes, labels, 2, 5, 0)
    assert twin_groups(codes, labels, terms.sum(1) + prior, terms, 5) == []
    monkeypatch.setattr(label_twins, "TABLE_BAR", np.inf)
    assert twin_groups(codes, labels, terms.sum(1) + prior, terms, 5) == []  # no rare value
    monkeypatch.setattr(label_twins, "RARE_HOLDERS", len(codes))
    assert twin_groups(codes, labels, terms.sum(1) + prior, terms, 5)  # read, it groups rows


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
