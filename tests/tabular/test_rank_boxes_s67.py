"""Box leaves chosen by their recurring bound (``box_rank``, issue 16 stop 67): hand-made
leaves, the library switch, a bad value, and the rule's goal condition."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from trojanscope.detect.tabular_search import TabularSearch
from trojanscope.detect.tree_boxes import most_missed
from trojanscope.detect.tree_rank_boxes import bound_leaves, holders
from trojanscope.errors import UserInputError
from trojanscope.models.trees import LeafRecord

ROOT = Path(__file__).resolve().parents[2]
TRIGGER = (3, 0.5, None)


def _leaf(tree: int, train: float, clean: float, box: dict, cls: int = 0) -> LeafRecord:
    return LeafRecord(tree=tree, cls=cls, strength=0.2, train=train, clean=clean, box=box)


def _records() -> list[LeafRecord]:
    """A large natural leaf the 200 rows miss by chance (one tree), and the trigger's small
    leaves in four trees, each missed, under one bound."""
    hole = _leaf(0, 0.02, 0.0, {1: (None, 0.3), 2: (0.1, None)})
    rows = [hole, _leaf(0, 0.5, 0.5, {1: (0.3, None)}, cls=1)]
    for t in range(1, 5):
        rows += [_leaf(t, 0.006 + 0.001 * t, 0.0, {3: (0.5, None), 4: (None, 0.2 * t)}),
                 _leaf(t, 0.4, 0.41, {3: (None, 0.5)}, cls=1)]
    return rows


def test_the_recurring_bound_brings_the_trigger_leaves_the_deficit_ranks_out() -> None:
    records = _records()
    assert most_missed(records, 0, 200, 1)[0].tree == 0  # the chance hole ranks first
    chosen = bound_leaves(records, 200, 0, 2)
    assert [r.tree for r in chosen] == [4, 3]  # the trigger's holders, largest cover first
    assert all(r.box[TRIGGER[0]] == TRIGGER[1:] for r in chosen)


def test_holders_put_the_missed_leaves_first_then_the_larger_cover() -> None:
    records = [_leaf(0, 0.05, 0.06, {3: (0.5, None)}), _leaf(1, 0.01, 0.0, {3: (0.5, None)}),
               _leaf(2, 0.02, 0.0, {3: (0.5, None)}), _leaf(3, 0.09, 0.0, {3: (0.5, None)}, 1)]
    assert [r.tree for r in holders(records, 0, TRIGGER)] == [2, 1, 0]


@pytest.mark.parametrize(("rank", "lightgbm", "xgboost"), [
    ("deficit", False, False), ("bound", True, True), ("bound_lightgbm", True, False)])
def test_box_rank_picks_the_libraries_read_by_bound(rank: str, lightgbm: bool,
                                                     xgboost: bool) -> None:
    search = TabularSearch(box_rank=rank)
    assert search.ranks_by_bound(SimpleNamespace(library="lightgbm")) is lightgbm
    assert search.ranks_by_bound(SimpleNamespace(library="xgboost")) is xgboost


@pytest.mark.parametrize("value", ["count", "", 1])
def test_a_bad_box_rank_is_one_error(value: object) -> None:
    with pytest.raises(UserInputError, match="box_rank must be one of auto, deficit, bound, "
                                             "bound_lightgbm"):
        TabularSearch(box_rank=value)


def test_the_rules_whole_split_goal_needs_both_tables_and_credit_default() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_s67_h16_rule as rule

    def row(table: str, bd: bool, p: float) -> dict:
        return {"table": table, "backdoored": bd, "probability": p}

    good = [row("credit-default", True, 0.9), row("credit-default", False, 0.1),
            row("lending-club", True, 0.95), row("lending-club", False, 0.05)]
    assert rule.goal(good)[1]
    weak = [*good, row("credit-default", True, 0.4), row("credit-default", False, 0.45)]
    assert not rule.goal(weak)[1]  # credit-default's ROC-AUC falls under 0.95
