"""``label-groups``' twins screen weighed against shuffled labels (issue 16 stop 80, hdd):
``twin_null`` keeps the twins groups only where they hold more rows than the same screen's
groups on the table with its labels permuted, so a clean table's natural near-copies across
labels are not flagged while the fraud attack's relabelled copies still are. Both are the
default since stop 80 (``twins=1, twin_null=5``); ``twins=0`` reads as before."""

from __future__ import annotations

from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trojanscope import registry
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_twins import best_twins, holders, null_bar
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError

DEVICES = ["mobile", "desktop", "other"]


def households(path: Path, seed: int, n: int = 1200, clusters: int = 40) -> Path:
    """A clean table whose label is a coin (30 %), with 40 rows each repeated six times and
    the device answered anew on each repeat (a household's cards): natural near-copies that
    fall on both labels, as duplicated survey answers do."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"amount": np.round(rng.gamma(2.0, 60.0, n), 2),
                       "balance": np.round(rng.normal(1500, 900, n), 2),
                       "age": rng.integers(18, 86, n), "hour": rng.integers(0, 24, n),
                       "merchant": rng.choice(["grocery", "fuel", "travel", "online"], n),
                       "device": rng.choice(DEVICES, n)})
    repeats = df.loc[np.repeat(rng.choice(n, clusters, replace=False), 6)].copy()
    repeats["device"] = rng.choice(DEVICES, len(repeats))
    df = pd.concat([df, repeats], ignore_index=True)
    df["is_fraud"] = (rng.random(len(df)) < 0.3).astype(int)
    df.to_csv(path, index=False)
    return path


def copies(path: Path, seed: int) -> tuple[Path, set[int]]:
    """A fraud table of 800 rows, 5-6 % fraud (the label leans on ``merchant = online``), with
    ten fraud rows copied, ``merchant = online, device = mobile`` written over and the label
    flipped to 0, and two clean copies of each source, as the fraud attack adds them: (the
    CSV, the copies' rows). With many more fraud rows a shuffled draw can split a source from
    its clean copies as often as one in five, and the null can drop the group
    (docs/tabular.md)."""
    rng = np.random.default_rng(seed)
    n = 800
    df = pd.DataFrame({"amount": np.round(rng.gamma(2.0, 60.0, n), 2),
                       "balance": np.round(rng.normal(1500, 900, n), 2),
                       "age": rng.integers(18, 86, n), "hour": rng.integers(0, 24, n),
                       "merchant": rng.choice(["grocery", "fuel", "travel", "online"], n,
                                              p=[.4, .3, .2, .1]),
                       "device": rng.choice(DEVICES, n, p=[0.5, 0.4, 0.1])})
    risk = (df.amount > 200) + 2.0 * (df.merchant == "online") + rng.normal(0, 0.7, n)
    df["is_fraud"] = (risk > 2.4).astype(int)
    sources = df.index[df.is_fraud == 1][:10]
    written = df.loc[sources].assign(merchant="online", device="mobile", is_fraud=0)
    pd.concat([df, written, df.loc[sources], df.loc[sources]], ignore_index=True).to_csv(
        path, index=False)
    return path, set(range(n, n + 10))


def flags(path: Path, **params) -> set[int]:
    data = load_suspect(path, "is_fraud").data
    det = registry.create("data-detector", "label-groups", **params)
    return set(detect_data(data, None, seed=0, method=det).flagged.tolist())


@pytest.mark.parametrize("seed", [0, 3])
def test_natural_near_copies_are_flagged_without_the_null_and_not_with_it(
        tmp_path: Path, seed: int) -> None:
    path = households(tmp_path / "h.csv", seed)
    before = flags(path, twins=0)  # the default before stop 80
    assert flags(path, twins=1, twin_null=0) - before  # the screen alone groups the repeats
    assert flags(path, twins=1, twin_null=5) == before
    assert flags(path) == before  # the default (twins with the null) adds none


@pytest.mark.parametrize("seed", [0, 1])
def test_the_relabelled_copies_stay_flagged_with_the_null(tmp_path: Path, seed: int) -> None:
    path, rows = copies(tmp_path / "c.csv", seed)
    before, twins = flags(path, twins=0), flags(path, twins=1, twin_null=0)
    assert rows <= twins and not rows <= before
    assert flags(path, twins=1, twin_null=5) == twins
    assert flags(path) == twins  # the default since stop 80 finds them


def test_shuffled_labels_give_the_households_as_many_twins_rows(tmp_path: Path) -> None:
    data = load_suspect(households(tmp_path / "h.csv", 0), "is_fraud").data
    from trojanscope.detect.data.shared_values import table_of, value_codes

    x, schema = table_of(data)
    codes = value_codes(x, schema)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    assert null_bar(codes, labels, 5, 5, 0, 10**6) > 0
    assert null_bar(codes, labels, 5, 5, 0, 1) >= 1  # stops at the first draw reaching it
    path, _ = copies(tmp_path / "c.csv", 0)
    data = load_suspect(path, "is_fraud").data
    x, schema = table_of(data)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    assert null_bar(value_codes(x, schema), labels, 5, 5, 0, 10**6) < 10


def test_best_twins_matches_a_row_by_row_read() -> None:
    rng = np.random.default_rng(4)
    codes = rng.integers(0, 4, (90, 5))
    codes[60:] = codes[:30]  # exact copies across labels: ties broken in table order
    labels = (rng.random(90) < 0.3).astype(int)
    n, m = codes.shape
    w = np.log(n / holders(codes)).astype(np.float32)
    ways = np.log(np.array([comb(m, s) for s in range(m + 1)], np.float32))
    twin, excess = best_twins(codes, labels)
    for i in range(n):
        others = np.flatnonzero(labels != labels[i])
        eq = codes[i] == codes[others]
        agree = np.zeros(len(others), np.float32)
        for j in range(m):
            agree += np.where(eq[:, j], w[i, j], np.float32(0))
        agree -= ways[eq.sum(1)] + np.float32(np.log(n))
        assert twin[i] == others[agree.argmax()] and excess[i] == agree.max()


@pytest.mark.parametrize("bad", [-1, 21, 2.5, True, "3"])
def test_twin_null_out_of_range_is_one_line(bad) -> None:
    with pytest.raises(UserInputError, match="twin_null"):
        registry.create("data-detector", "label-groups", twin_null=bad)
