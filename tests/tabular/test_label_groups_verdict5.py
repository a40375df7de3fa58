"""``label-groups -p verdict=5`` (issue 16 stop 65): ``verdict=4`` with five bars moved
(``table_verdict.verdict_at``) — a rare value's score bar lower and its outside holders capped,
a minority-label pair's lean bar looser, the high-score path checked (``high_evidence``) and the
excess path of a group of one value needing ``excess_z`` — each read here at its bar and past
it, against ``verdict=4`` on the same group."""

from __future__ import annotations

import numpy as np
import torch
from test_label_groups_verdict import _cli_verdict, _detect, _table

from trojanscope.detect.data.minority_verdict import MINORITY_LEAN, PAIR_FLOOR, PAIR_LEAN_5
from trojanscope.detect.data.rare_verdict import (
    RARE_FLOOR,
    RARE_FLOOR_5,
    RARE_LEAN,
    RARE_OUTSIDE_5,
    RARE_PURITY,
    RARE_ROWS,
    RARE_Z,
)
from trojanscope.detect.data.table_verdict import (
    EXCESS_Z_5,
    HIGH_LEAN,
    HIGH_LIFT,
    HIGH_ROWS,
    VERDICT_EXCESS,
    VERDICT_HIGH,
    high_evidence,
    verdict_at,
)

torch.set_num_threads(1)


def _judged(g: dict, level: int) -> bool:
    return verdict_at(level, [g], ["g"]).poisoned


def _rare(**kw) -> dict:
    g = {"label": 0, "rows": RARE_ROWS, "score": RARE_FLOOR_5, "excess": 0.0, "share": 0.7,
         "purity": RARE_PURITY, "part_lift": None, "lean": RARE_LEAN, "within": None,
         "excess_z": RARE_Z, "value_rows": 30, "outside": RARE_OUTSIDE_5, "categorical": True}
    return {**g, **kw}


def _high(**kw) -> dict:
    g = {"label": 1, "rows": HIGH_ROWS, "score": VERDICT_HIGH, "excess": -1.0, "share": 0.3,
         "lean": HIGH_LEAN + 0.1, "lift": HIGH_LIFT, "part_lift": None, "excess_z": -3.0,
         "categorical": False, "purity": 0.5}
    return {**g, **kw}


def test_a_rare_value_under_verdict_4s_floor_is_poison_at_5() -> None:
    assert RARE_FLOOR_5 < RARE_FLOOR
    assert _judged(_rare(), 5) and not _judged(_rare(), 4)
    assert not _judged(_rare(score=RARE_FLOOR_5 - 0.01), 5)


def test_a_rare_value_with_many_holders_outside_is_not_poison_at_5() -> None:
    many = _rare(score=RARE_FLOOR, outside=RARE_OUTSIDE_5 + 1)
    assert _judged(many, 4) and not _judged(many, 5)
    assert _judged(_rare(score=RARE_FLOOR, outside=RARE_OUTSIDE_5), 5)


def test_a_minority_pair_may_lean_further_at_5_a_single_value_may_not() -> None:
    pair = {"label": 1, "rows": 60, "score": PAIR_FLOOR, "excess": 0.0, "share": 0.3,
            "purity": 0.9, "part_lift": 0.0, "lean": PAIR_LEAN_5, "within": None,
            "excess_z": None, "categorical": None}
    assert MINORITY_LEAN < PAIR_LEAN_5
    assert _judged(pair, 5) and not _judged(pair, 4)
    assert not _judged({**pair, "lean": PAIR_LEAN_5 + 0.01}, 5)
    single = {**pair, "part_lift": None, "score": 1.95, "purity": 0.4, "within": 0.0,
              "lean": MINORITY_LEAN + 0.05}
    assert not _judged(single, 5) and _judged({**single, "lean": MINORITY_LEAN}, 5)


def test_a_high_score_needs_rows_and_a_lean_or_shared_rare_values_at_5() -> None:
    assert high_evidence(_high()) and _judged(_high(), 5)  # the lift
    assert high_evidence(_high(lean=HIGH_LEAN, lift=0.0))  # the lean
    natural = _high(lift=HIGH_LIFT - 0.01)  # a natural factor: leans its way, shares nothing
    assert _judged(natural, 4) and not _judged(natural, 5)
    repeated = _high(rows=HIGH_ROWS - 1, lean=0.0)  # a handful of repeated rows
    assert _judged(repeated, 4) and not _judged(repeated, 5)
    assert not high_evidence(_high(lean=None, lift=None))  # nothing read: no evidence


def test_the_excess_of_one_value_needs_its_standard_errors_at_5() -> None:
    g = {"label": 0, "rows": 8, "score": 2.5, "excess": VERDICT_EXCESS, "share": 0.7,
         "lean": 0.1, "part_lift": None, "excess_z": EXCESS_Z_5 - 0.01, "categorical": False,
         "purity": 1.0}
    assert _judged(g, 4) and not _judged(g, 5)
    assert _judged({**g, "excess_z": EXCESS_Z_5}, 5)
    assert _judged({**g, "excess_z": None}, 5)  # a pair: no value evidence, excess alone


def test_levels_below_5_read_as_before() -> None:
    """``verdict_at`` gives levels 1-4 the bars they had: a group passing only a moved bar is
    judged the same by 4 as by ``table_verdict``'s defaults at that level."""
    g = _rare(score=1.5)  # over RARE_FLOOR_5, under RARE_FLOOR
    assert [verdict_at(level, [g], ["g"]).poisoned for level in (1, 2, 3, 4, 5)] == \
        [False, False, False, False, True]


def test_verdict_5_stores_the_new_keys_and_reads_the_tables_of_verdict_1(tmp_path) -> None:
    clean = _detect(_table(0), tmp_path, verdict=5)
    assert clean.poisoned is False and len(clean.flagged) == 0
    best = clean.details["evidence"]["groups"][0]
    assert {"lift", "width", "deficit"} <= set(best) and best["width"] == 1
    frame = _table(0, poison=40, strength=1.5)
    dirty = _detect(frame, tmp_path, verdict=5)
    assert dirty.poisoned is True and dirty.details["verdict"]["classes"] == [0]
    poison = np.flatnonzero(frame["tag"].to_numpy() == "zz")
    assert set(poison) <= set(dirty.flagged.tolist())


def test_through_the_cli_a_clean_table_names_its_pattern(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    out = _cli_verdict(tmp_path, capsys, _table(0, poison=40, strength=1.5), 5)
    assert "evidence of poisoning: tag = zz with label 0" in out
    args = ["--label-column", "is_fraud", "-m", "label-groups", "-p", "verdict=5"]
    assert run(["detect-data", str(tmp_path / "clean.csv"), *args]) == 0
    said = capsys.readouterr().out.replace("\n", " ")
    assert "no evidence of poisoning" in said and "most unusual group: " in said
    assert "read as a pattern of the table itself, not as poison" in said
