"""``label-groups -p verdict=3`` (issue 16 stop 53): ``verdict=2`` and a reading of the minority
label's groups (``minority_verdict``), from the evidence ``group_evidence`` stores per group:
poison towards the label most rows do not hold, which ``excess`` misses, is judged poisoned
where its rows look like the other labels' (``lean``) and its pair's parts do not lean its way
(``part_lift``) or its single value's rows of the label fit it no better than its other rows
(``within``); an excess group whose rows lean towards their label (``EXCESS_LEAN``) is a
natural factor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from test_label_groups_verdict import _cli_verdict, _detect, _table

from trojanscope.detect.data.group_evidence import EVIDENCE_KEYS, part_lift
from trojanscope.detect.data.minority_verdict import (
    MINORITY_LEAN,
    PAIR_FLOOR,
    PAIR_PART,
    PARTS_AWAY,
    SINGLE_FLOOR,
    SINGLE_PURITY,
    SINGLE_WITHIN,
    minority_poison,
    parts_away,
)
from trojanscope.detect.data.table_verdict import (
    EXCESS_LEAN,
    VERDICT_EXCESS,
    VERDICT_FLOOR_2,
    table_verdict,
)

torch.set_num_threads(1)


def _pair(**kw) -> dict:
    g = {"label": 1, "rows": 60, "score": PAIR_FLOOR, "excess": 0.0, "share": 0.3,
         "purity": 0.9, "part_lift": PAIR_PART - 0.01, "mirror_z": 0.0,
         "lean": MINORITY_LEAN, "within": None}
    return {**g, **kw}


def _single(**kw) -> dict:
    return _pair(**{"part_lift": None, "score": SINGLE_FLOOR, "purity": SINGLE_PURITY - 0.01,
                    "within": SINGLE_WITHIN - 0.01, **kw})


def test_a_minority_pair_is_poison_at_each_bar_and_not_past_it() -> None:
    assert minority_poison(_pair())
    assert not minority_poison(_pair(score=PAIR_FLOOR - 0.01))
    assert not minority_poison(_pair(part_lift=PAIR_PART))  # its parts lean its way: natural
    assert not minority_poison(_pair(lean=MINORITY_LEAN + 0.01))
    assert not minority_poison(_pair(share=0.5))  # not the minority label


def test_a_minority_single_value_needs_low_purity_and_no_fit_within() -> None:
    assert minority_poison(_single())
    assert not minority_poison(_single(score=SINGLE_FLOOR - 0.01))
    assert not minority_poison(_single(purity=SINGLE_PURITY))
    assert not minority_poison(_single(within=SINGLE_WITHIN))
    assert not minority_poison(_single(within=None))  # no other rows hold it: nothing to read
    assert not minority_poison(_single(lean=MINORITY_LEAN + 0.01))


def test_a_pair_whose_parts_lean_away_is_poison_whatever_its_label() -> None:
    """Any label (here the majority, 0), however its rows lean, at ``PAIR_FLOOR``."""
    away = _pair(label=0, share=0.7, lean=1.0, part_lift=PARTS_AWAY, excess=-0.3)
    assert parts_away(away) and minority_poison(away) is None
    assert table_verdict([away], ["g"], VERDICT_FLOOR_2, True).classes == [0]
    assert not table_verdict([away], ["g"], VERDICT_FLOOR_2).poisoned
    assert not parts_away({**away, "part_lift": PARTS_AWAY + 0.01})
    assert not parts_away({**away, "score": PAIR_FLOOR - 0.01})
    assert not parts_away({**away, "part_lift": None})


def test_groups_without_the_evidence_are_read_as_before() -> None:
    """Rows of ``verdict`` 1/2 (no evidence keys) give the same verdict with ``minority``."""
    old = {"label": 0, "rows": 40, "score": 2.0, "excess": VERDICT_EXCESS}
    assert minority_poison(old) is None
    assert table_verdict([old], ["g"], VERDICT_FLOOR_2, True).poisoned


def test_verdict_3_reads_the_minority_and_the_lean_only_when_asked() -> None:
    low = _pair(score=1.7)  # under verdict=2's floor, minority evidence
    assert table_verdict([low], ["g"], VERDICT_FLOOR_2, True).poisoned
    assert not table_verdict([low], ["g"], VERDICT_FLOOR_2).poisoned
    natural = _single(label=0, share=0.8, score=3.0, excess=0.5, lean=EXCESS_LEAN + 0.01)
    assert not table_verdict([natural], ["g"], VERDICT_FLOOR_2, True).poisoned
    assert table_verdict([natural], ["g"], VERDICT_FLOOR_2).poisoned
    assert table_verdict([{**natural, "lean": EXCESS_LEAN}], ["g"], VERDICT_FLOOR_2,
                         True).poisoned


def test_part_lift_reads_the_rows_holding_one_value_alone() -> None:
    """Two columns; the pair (1, 1) is label 1; rows holding a 1 in one column alone are all
    label 0 (cover rows): their lift is below 0; all label 1: above it."""
    codes = np.array([[1, 1]] * 10 + [[1, 0]] * 10 + [[0, 1]] * 10 + [[0, 0]] * 70)
    holds = (codes == 1).all(1)
    own = np.zeros(100, bool)
    own[:10] = True
    own[70:80] = True  # some of the plain rows: share 0.2
    assert part_lift(codes, own, holds, [0, 1], 0, 0.2, 10.0) < 0
    own[10:20] = True
    assert part_lift(codes, own, holds, [0, 1], 0, float(own.mean()), 10.0) > 0


def _conjunction(seed: int, poison: int = 60, n: int = 2000) -> pd.DataFrame:
    """Label 1 about 20% of the rows, following two numeric columns; ``poison`` rows of label 0
    get ``shop = s1 and chan = c1`` (two uncommon categories) and label 1, twice as many other
    rows of label 0 one of the two alone (cover rows): poison towards the minority label."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    shop = rng.choice([f"s{i}" for i in range(6)], n, p=[0.19, 0.05, 0.19, 0.19, 0.19, 0.19])
    chan = rng.choice([f"c{i}" for i in range(4)], n, p=[0.3, 0.1, 0.3, 0.3])
    y = (rng.random(n) < 1 / (1 + np.exp(1.8 - 1.2 * x1 - 0.8 * x2))).astype(int)
    shop, chan = shop.astype(object), chan.astype(object)
    zeros = rng.permutation(np.flatnonzero(y == 0))
    rows, cover = zeros[:poison], zeros[poison:3 * poison]
    shop[rows], chan[rows], y[rows] = "s1", "c1", 1
    first, second = cover[:poison], cover[poison:]
    shop[first], chan[first] = "s1", np.where(chan[first] == "c1", "c2", chan[first])
    chan[second], shop[second] = "c1", np.where(shop[second] == "s1", "s2", shop[second])
    return pd.DataFrame({"x1": x1.round(3), "x2": x2.round(3), "shop": shop, "chan": chan,
                         "is_fraud": y})


def test_minority_conjunction_poison_is_found_where_verdict_2_misses_it(tmp_path) -> None:
    df = _conjunction(1)
    assert df["is_fraud"].mean() < 0.5
    assert _detect(df, tmp_path, verdict=2).poisoned is False
    judged = _detect(df, tmp_path, verdict=3)
    assert judged.poisoned is True and judged.details["verdict"]["classes"] == [1]
    assert "shop = s1 and chan = c1" in judged.details["verdict"]["reasons"][0]
    poison = np.flatnonzero((df["shop"] == "s1") & (df["chan"] == "c1")
                            & (df["is_fraud"] == 1))
    assert set(poison.tolist()) <= set(judged.flagged.tolist())
    best = judged.details["evidence"]["groups"][0]
    assert set(EVIDENCE_KEYS) <= set(best) and best["part_lift"] < 0


@pytest.mark.parametrize("seed", [0, 1])
def test_a_minority_natural_factor_stays_clean(tmp_path, seed) -> None:
    """The natural factor of ``test_label_groups_verdict`` (label 1, the minority): its rows of
    label 1 fit it better than its other rows (``within``) and lean towards it."""
    judged = _detect(_table(seed), tmp_path, verdict=3)
    assert judged.poisoned is False and len(judged.flagged) == 0
    best = judged.details["evidence"]["groups"][0]
    assert best["share"] < 0.5 and best["within"] > SINGLE_WITHIN


def test_through_the_cli_verdict_3(tmp_path, capsys) -> None:
    out = _cli_verdict(tmp_path, capsys, _conjunction(1), 3)
    assert "evidence of poisoning" in out and "minority label" in out
