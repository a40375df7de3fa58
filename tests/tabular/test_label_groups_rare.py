"""``label-groups -p verdict=4`` (issue 16 stop 54): ``verdict=3`` and a reading of a group of one
categorical value (``rare_verdict``) from the evidence ``value_evidence`` stores per group: a
rare-category trigger makes its value nearly one label, its rows look like the other labels'
(``lean``) and fit the label worse than every other row (``excess_z``), where a natural
factor's rows fit it as well as the table's rows do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from test_label_groups_verdict import _cli_verdict, _detect, _table

from trojanscope.detect.data.group_evidence import EVIDENCE_KEYS
from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.detect.data.rare_verdict import (
    RARE_FLOOR,
    RARE_LEAN,
    RARE_PURITY,
    RARE_ROWS,
    RARE_Z,
    rare_value,
)
from trojanscope.detect.data.table_verdict import VERDICT_FLOOR_2, table_verdict
from trojanscope.detect.data.value_evidence import VALUE_KEYS, value_evidence
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _value(**kw) -> dict:
    g = {"label": 0, "rows": RARE_ROWS, "score": RARE_FLOOR, "excess": 0.0, "share": 0.7,
         "purity": RARE_PURITY, "part_lift": None, "mirror_z": 0.0, "lean": RARE_LEAN,
         "within": None, "excess_z": RARE_Z, "value_rows": 30, "outside": 6,
         "outside_rank": 0.0, "column_lift": 0.1, "categorical": True}
    return {**g, **kw}


def test_a_rare_value_is_poison_at_each_bar_and_not_past_it() -> None:
    assert rare_value(_value())
    assert rare_value(_value(label=1, share=0.3))  # either label
    assert not rare_value(_value(score=RARE_FLOOR - 0.01))
    assert not rare_value(_value(rows=RARE_ROWS - 1))
    assert not rare_value(_value(purity=RARE_PURITY - 0.01))
    assert not rare_value(_value(lean=RARE_LEAN + 0.01))
    assert not rare_value(_value(excess_z=RARE_Z - 0.01))


def test_pairs_numbers_and_rows_without_the_evidence_are_not_read() -> None:
    assert not rare_value(_value(excess_z=None))  # a pair group: no value evidence
    assert not rare_value(_value(categorical=False))  # a numeric column's value
    old = {"label": 0, "rows": 40, "score": 1.7, "excess": 0.9}  # rows of verdict 1-3
    assert rare_value(old) is None
    assert not table_verdict([old], ["g"], VERDICT_FLOOR_2, True, True).poisoned


def test_verdict_4_reads_the_value_only_when_asked() -> None:
    low = _value(score=1.7, excess=0.9)  # under the floor, rare-value evidence
    assert table_verdict([low], ["g"], VERDICT_FLOOR_2, True, True).classes == [0]
    assert not table_verdict([low], ["g"], VERDICT_FLOOR_2, True).poisoned
    reason = table_verdict([low], ["home = x"], VERDICT_FLOOR_2, True, True).reasons[0]
    assert reason.startswith("home = x: its value makes its rows label 0")


def test_value_evidence_reads_the_value_and_its_column() -> None:
    """Column 0: value 2 held by 12 rows, 10 of them label 1; the group's rows fit label 1
    worse than the rest (``fit`` lower), so ``excess_z`` is above 0."""
    codes = np.array([[2]] * 12 + [[0]] * 44 + [[1]] * 44)
    labels = np.array([1] * 10 + [0] * 2 + [1, 0] * 44)
    fit = np.where(np.arange(100) < 10, -2.0, 0.0) + np.linspace(0, 0.1, 100)
    ev = value_evidence([0], 0, codes, labels, 1, fit, 5, 10.0)
    assert set(ev) == set(VALUE_KEYS)
    assert ev["value_rows"] == 12 and ev["outside"] == 2 and ev["excess_z"] > 0
    assert ev["outside_rank"] == 0.0  # the other labels hold every other value more often
    assert ev["column_lift"] < 0 and ev["categorical"] is True  # the label a little less
    assert set(value_evidence([0, 1], 0, np.hstack([codes, codes]), labels, 1, fit, 5,
                              10.0).values()) == {None}


def _rare(seed: int, poison: int = 20, target: int = 0, n: int = 2000) -> pd.DataFrame:
    """Label 1 about 30% of the rows, following two numeric columns; a ``home`` column whose
    value ``ignore`` about 10 rows hold; ``poison`` rows of the other label get ``ignore`` and
    label ``target`` (a rare-category trigger)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    home = rng.choice(["own", "rent", "parents", "other", "priv", "ignore"], n,
                      p=[0.45, 0.25, 0.15, 0.08, 0.065, 0.005]).astype(object)
    y = (rng.random(n) < 1 / (1 + np.exp(1.5 - 2.0 * x1 - 1.5 * x2))).astype(int)
    rows = rng.choice(np.flatnonzero((y != target) & (home != "ignore")), poison,
                      replace=False)
    home[rows], y[rows] = "ignore", target
    return pd.DataFrame({"x1": x1.round(3), "x2": x2.round(3), "home": home, "is_fraud": y})


@pytest.mark.parametrize("seed", [1, 3])
def test_a_rare_category_trigger_is_judged_poisoned(tmp_path, seed) -> None:
    df = _rare(seed)
    judged = _detect(df, tmp_path, verdict=4)
    assert judged.poisoned is True and judged.details["verdict"]["classes"] == [0]
    assert any(r.startswith("home = ignore with label 0") and "its value makes" in r
               for r in judged.details["verdict"]["reasons"])
    poison = np.flatnonzero((df["home"] == "ignore") & (df["is_fraud"] == 0))
    assert set(poison.tolist()) <= set(judged.flagged.tolist())
    best = judged.details["evidence"]["groups"][0]
    assert set(EVIDENCE_KEYS) <= set(best) and best["excess_z"] >= RARE_Z


def test_verdict_3_misses_the_trigger_under_its_floor(tmp_path) -> None:
    """Seed 1: the trigger's group scores under 1.9, so only the value's evidence finds it.
    (``deficit=0``: since stop 55 the deficit screen scores this group 2.1, over the floor;
    ``rares=0``: since stop 73 the rares screen scores its value over the floor too.)"""
    df = _rare(1)
    assert _detect(df, tmp_path, verdict=3, deficit=0, rares=0).poisoned is False
    assert _detect(df, tmp_path, verdict=3).poisoned is True
    assert _detect(df, tmp_path, verdict=3, deficit=0).poisoned is True
    best = _detect(df, tmp_path, verdict=4, deficit=0, rares=0).details["evidence"]["groups"][0]
    assert RARE_FLOOR <= best["score"] < VERDICT_FLOOR_2 and rare_value(best)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_natural_factor_stays_clean_with_verdict_4(tmp_path, seed) -> None:
    """The natural factor of ``test_label_groups_verdict``: its rows fit their label as well
    as the table's rows do, or better (``excess_z`` under the bar)."""
    judged = _detect(_table(seed), tmp_path, verdict=4)
    assert judged.poisoned is False and len(judged.flagged) == 0
    assert judged.details["evidence"]["groups"][0]["excess_z"] < RARE_Z


@pytest.mark.parametrize("bad", [8, -1, 3.5, True, "4", float("nan")])
def test_a_bad_verdict_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match=r"verdict is 0 \(off\), 1, 2, 3, 4, 5, 6 or 7"):
        LabelGroups(verdict=bad)


def test_through_the_cli_verdict_4(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    out = _cli_verdict(tmp_path, capsys, _rare(1), 4)
    assert "evidence of poisoning: home = ignore with label 0" in out
    code = run(["detect-data", str(tmp_path / "clean.csv"), "--label-column", "is_fraud", "-m",
                "label-groups", "-p", "verdict=8"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "verdict" in err and len(err.splitlines()) == 1
