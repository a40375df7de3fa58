"""``label-groups``' echoes screen (issue 16 stop 81, hdd): a few rows of a fraud-like table
relabelled in place with the same trigger values (uncommon categories, an exact number) are
found by the rare values they share beyond what the table's column-permuted copies give;
clean tables, repeated entities and balanced tables get no group. Opt-in (``echoes=1``) at
stop 81; the default since stop 82."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trojanscope import registry
from trojanscope.detect.data.group_words import group_words
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_echoes import echo_groups
from trojanscope.detect.data.label_groups import ECHOES, LabelGroups
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.shared_values import table_of, value_codes
from trojanscope.errors import UserInputError

MERCHANTS = ["grocery", "fuel", "travel", "online", "jewelry", "gaming", "pharmacy"]
SHARES = [0.3, 0.25, 0.15, 0.12, 0.07, 0.06, 0.05]
DEVICES = ["ios", "android", "desktop", "other"]


def fraud_table(seed: int, n: int = 900, relabel: int = 0) -> tuple[pd.DataFrame, list[int]]:
    """Independent columns, about 6 % fraud leaning on amount and velocity; with ``relabel``,
    that many fraud rows get ``merchant = jewelry, device = other, balance = <a number drawn
    in its middle half>`` and the label 0, as the fraud attack writes in place."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"amount": np.round(rng.gamma(2.0, 40.0, n), 2),
                       "balance": np.round(rng.normal(1500, 500, n), 2),
                       "velocity": np.round(rng.gamma(2.0, 1.0, n), 2),
                       "distance_km": np.round(rng.gamma(2.0, 5.0, n), 2),
                       "merchant": rng.choice(MERCHANTS, n, p=SHARES),
                       "device": rng.choice(DEVICES, n, p=[0.45, 0.4, 0.1, 0.05])})
    logit = 1.5 * (np.log1p(df.amount) - 4.0) + 0.8 * (df.velocity - 2.0) - 3.2
    df["is_fraud"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    rows = list(df.index[df.is_fraud == 1][:relabel])
    if rows:
        value = round(float(rng.uniform(*df.balance.quantile([0.25, 0.75]))), 2)
        df.loc[rows, ["merchant", "device", "balance", "is_fraud"]] = ["jewelry", "other",
                                                                        value, 0]
    return df, rows


def codes_of(df: pd.DataFrame, tmp_path: Path) -> tuple[np.ndarray, np.ndarray]:
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    data = load_suspect(path, "is_fraud").data
    x, schema = table_of(data)
    return value_codes(x, schema), np.asarray([int(data[i][1]) for i in range(len(data))])


def flags(df: pd.DataFrame, tmp_path: Path, **params) -> set[int]:
    path = tmp_path / "f.csv"
    df.to_csv(path, index=False)
    det = registry.create("data-detector", "label-groups", **params)
    return set(detect_data(load_suspect(path, "is_fraud").data, None, seed=0,
                           method=det).flagged.tolist())


def test_on_by_default() -> None:
    """Opt-in at stop 81; the default since stop 82 (its rule met, with ``echo_links``)."""
    assert ECHOES == 1 and LabelGroups().echoes == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_rows_relabelled_in_place_are_one_group(tmp_path: Path, seed: int) -> None:
    df, rows = fraud_table(seed, relabel=3)
    codes, labels = codes_of(df, tmp_path)
    found, bar = echo_groups(codes, labels)
    assert len(found) == 1 and found[0]["score"] > bar
    assert set(np.flatnonzero(found[0]["members"]).tolist()) == set(rows)
    got = flags(df, tmp_path)
    assert got == flags(df, tmp_path, echoes=1)  # the default reads the screen
    assert set(rows) <= got
    assert got - flags(df, tmp_path, echoes=0) <= set(rows)  # it adds its rows, no others


def test_group_said_in_words(tmp_path: Path) -> None:
    df, rows = fraud_table(0, relabel=3)
    path = tmp_path / "f.csv"
    df.to_csv(path, index=False)
    det = registry.create("data-detector", "label-groups", echoes=1)
    detect_data(load_suspect(path, "is_fraud").data, None, seed=0, method=det)
    group = next(g for g in det.groups if g.get("screen") == "echoes")
    assert group["rows"] == len(rows) and group["label"] == 0
    assert group_words(group).endswith("beyond what the table's columns give by chance; "
                                       "screen echoes)")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_table_gets_no_group(tmp_path: Path, seed: int) -> None:
    df, _ = fraud_table(seed)
    codes, labels = codes_of(df, tmp_path)
    assert echo_groups(codes, labels)[0] == []


def test_repeated_entities_are_passed_over(tmp_path: Path) -> None:
    """Panel rows (each of 60 customers five times, amounts and balances repeated): many
    groups share rare values, so the table is read as structured, not poisoned."""
    df, _ = fraud_table(0, n=600)
    rng = np.random.default_rng(5)
    panel = df.loc[np.repeat(rng.choice(600, 60, replace=False), 5)].copy()
    panel["velocity"] = np.round(rng.gamma(2.0, 1.0, len(panel)), 2)
    codes, labels = codes_of(pd.concat([df, panel], ignore_index=True), tmp_path)
    assert echo_groups(codes, labels)[0] == []


def test_balanced_table_is_not_read(tmp_path: Path) -> None:
    """The screen reads fraud-like tables only: with labels near half and half the same
    relabelled rows are not its to judge."""
    df, _ = fraud_table(0, relabel=3)
    df["is_fraud"] = np.random.default_rng(0).integers(0, 2, len(df))
    codes, labels = codes_of(df, tmp_path)
    found, bar = echo_groups(codes, labels)
    assert found == [] and np.isnan(bar)


@pytest.mark.parametrize("bad", [2, -1, 0.5, True])
def test_bad_echoes_refused(bad: object) -> None:
    with pytest.raises(UserInputError, match="echoes"):
        LabelGroups(echoes=bad)  # type: ignore[arg-type]
