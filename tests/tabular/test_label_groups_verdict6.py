"""``label-groups -p verdict=6`` (issue 16 stop 76 h16d): ``verdict=5`` with two more ways a
group counts — an excess group whose rows lean towards its label up to ``EXCESS_LEAN_6`` (not
``EXCESS_LEAN``), and a group scoring at least ``FAR_6`` whatever its row count, where its rows
lean to the other labels or share other rare values (``far_evidence``) — each read at its bar
and past it, against ``verdict=5`` on the same group (shapes of spent sets 16908, 17202,
17212)."""

from __future__ import annotations

import pytest
import torch
from test_label_groups_verdict import _detect, _table

from trojanscope.detect.data.table_verdict import (
    EXCESS_LEAN,
    EXCESS_LEAN_6,
    FAR_6,
    HIGH_LEAN,
    HIGH_LIFT,
    HIGH_ROWS,
    VERDICT_EXCESS,
    VERDICT_FLOOR_2,
    verdict_at,
)
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _judged(g: dict, level: int) -> bool:
    return verdict_at(level, [g], ["g"]).poisoned


def _far(**kw) -> dict:
    """16908's 12-row sibling: a pair scoring 19.6 whose rows share other rare values."""
    g = {"label": 0, "rows": 12, "score": FAR_6, "excess": -0.5, "share": 0.95,
         "lean": 1.06, "lift": HIGH_LIFT, "part_lift": 1.9, "excess_z": None,
         "categorical": True, "purity": 0.9, "within": None, "mirror_z": 0.0}
    return {**g, **kw}


def _leaning(**kw) -> dict:
    """17202: one value, 52 rows scoring 5.24, excess 0.28 (z 1.1), lean 0.545."""
    g = {"label": 0, "rows": 52, "score": 3.0, "excess": VERDICT_EXCESS + 0.05, "share": 0.73,
         "lean": 0.55, "lift": 0.0, "part_lift": None, "excess_z": 1.1, "categorical": True,
         "purity": 0.9, "within": 0.2, "mirror_z": 0.8, "value_rows": 400, "outside": 300}
    return {**g, **kw}


def test_a_far_group_of_few_rows_counts_at_6_not_at_5() -> None:
    assert _far()["rows"] < HIGH_ROWS
    assert _judged(_far(), 6) and not _judged(_far(), 5)
    assert not _judged(_far(score=FAR_6 - 0.01), 6)
    # its rows lean to the other labels instead of sharing rare values: counted too
    assert _judged(_far(lift=0.0, lean=HIGH_LEAN), 6)
    # neither (a deterministic factor of a real table, Stat2Data/Marathon 89.5): not counted
    assert not _judged(_far(score=90.0, lift=0.0, lean=1.0), 6)
    reason = verdict_at(6, [_far(score=19.6)], ["g"]).reasons[0]
    assert "a score of 19.6, far above the best group of every development clean table" in reason


def test_an_excess_group_leaning_up_to_the_new_bar_counts_at_6() -> None:
    assert EXCESS_LEAN < 0.55 <= EXCESS_LEAN_6
    assert _judged(_leaning(), 6) and not _judged(_leaning(), 5)
    assert not _judged(_leaning(lean=EXCESS_LEAN_6 + 0.01), 6)
    assert not _judged(_leaning(score=VERDICT_FLOOR_2 - 0.01), 6)  # under the floor: chance
    assert not _judged(_leaning(excess_z=0.9), 6)  # verdict=5's excess_z bar still holds


def test_verdict_6_keeps_what_5_judges_and_refuses_8(tmp_path) -> None:
    clean = _detect(_table(0), tmp_path, verdict=6)
    assert clean.poisoned is False and len(clean.flagged) == 0
    dirty = _detect(_table(0, poison=40, strength=1.5), tmp_path, verdict=6)
    assert dirty.poisoned is True and dirty.details["verdict"]["classes"] == [0]
    with pytest.raises(UserInputError, match="5, 6 or 7"):  # 7 since stop 77
        _detect(_table(0), tmp_path, verdict=8)
