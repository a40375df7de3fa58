"""The echoes screen's links (issue 16 stop 82, hdd): two shared columns where one value nearly
fixes the other (a loan's rate and its grade) count once; independent columns keep their
surprise; the links only take the plain reading's flags away."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_echoes_s81_hdd import codes_of, fraud_table

import trojanscope.detect.data.label_echoes as echoes
from trojanscope.detect.data.echo_links import JointHolders, linked_surprise
from trojanscope.detect.data.label_twins import holders


def rated_table(seed: int) -> tuple[pd.DataFrame, tuple[int, int]]:
    """The stop 81 fraud table with a rate (70 values) and its grade (rate // 2, fixed by it),
    and two clean rows of the majority label made to share an exact balance, the rate, the
    grade, the merchant and the device: chance-like, with the grade saying the rate again."""
    df, _ = fraud_table(seed, n=900)
    rng = np.random.default_rng(100 + seed)
    df["rate"] = rng.integers(0, 70, len(df))
    df["grade"] = df["rate"] // 2
    a, b = (int(r) for r in df.index[df.is_fraud == 0][:2])
    df.loc[b, ["balance", "rate", "grade", "merchant", "device"]] = \
        df.loc[a, ["balance", "rate", "grade", "merchant", "device"]].tolist()
    return df, (a, b)


def pair_of(codes: np.ndarray, labels: np.ndarray, a: int, b: int, linked: bool) -> float:
    i, j, surprise, _ = echoes.pair_surprise(codes, labels, holders(codes), linked=linked)
    return float(surprise[(i == min(a, b)) & (j == max(a, b))][0])


def test_joint_holders_count_rows_holding_all_values() -> None:
    codes = np.array([[0, 1], [0, 1], [0, 2], [1, 1]])
    joint = JointHolders(codes)
    assert joint.of(0).tolist() == [3, 3, 3, 1]
    assert joint.of(1, 0).tolist() == [2, 2, 1, 1]


def test_a_fixed_column_adds_next_to_nothing() -> None:
    """Column 2 is column 1 halved: given the shared value of column 1, column 2's shared
    value is read at its conditional (near one: next to no surprise); column 3,
    independent, keeps its own."""
    rng = np.random.default_rng(0)
    n = 1000
    rate = rng.integers(0, 70, n)
    codes = np.column_stack([rng.permutation(n), rate, rate // 2, rng.integers(0, 30, n)])
    codes[6, 1:] = codes[5, 1:]
    held = holders(codes)
    info = -np.log(held[[5]] / n)
    out = linked_surprise(np.array([5]), 0, np.ones((1, 4), bool), info, held,
                          JointHolders(codes))
    assert out[0, 0] == info[0, 0] and out[0, 1] == info[0, 1]
    assert out[0, 2] < 0.5 < info[0, 2]
    assert out[0, 3] > 0.8 * info[0, 3]


@pytest.mark.parametrize("seed", [7, 8])
def test_linked_pair_counts_its_grade_once(tmp_path: Path, seed: int) -> None:
    df, (a, b) = rated_table(seed)
    codes, labels = codes_of(df, tmp_path)
    grade = -np.log(holders(codes)[a, list(df.columns).index("grade") - 1] / len(codes))
    plain, linked = pair_of(codes, labels, a, b, False), pair_of(codes, labels, a, b, True)
    assert plain - linked > 0.8 * grade


@pytest.mark.parametrize("seed", [0, 1])
def test_relabelled_rows_keep_their_score_and_flag(tmp_path: Path, seed: int) -> None:
    """The trigger's values sit in independent columns: the links change nothing there."""
    df, rows = fraud_table(seed, relabel=3)
    codes, labels = codes_of(df, tmp_path)
    plain = echoes.echo_scores(codes, labels)[0]
    linked = echoes.echo_scores(codes, labels, linked=True)[0]
    assert linked["score"] == pytest.approx(plain["score"])
    found, _ = echoes.echo_groups(codes, labels)
    assert [set(np.flatnonzero(g["members"]).tolist()) for g in found] == [set(rows)]


def test_links_take_the_plain_flag_away(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    """Two clean rows sharing an exact balance, a rate and the grade it fixes: the plain
    reading flags them; with the links (the default) they are under the bar."""
    df, (a, b) = rated_table(7)
    codes, labels = codes_of(df, tmp_path)
    assert echoes.LINKED
    assert echoes.echo_groups(codes, labels)[0] == []
    monkeypatch.setattr(echoes, "LINKED", False)
    found, _ = echoes.echo_groups(codes, labels)
    assert [set(np.flatnonzero(g["members"]).tolist()) for g in found] == [{a, b}]
