"""Leaves replayed for their recurring bound (``box_recur``, issue 16 stop 66): hand-made leaves,
and the option checked."""

import pytest
from test_tree_boxes import SCHEMA, lightgbm_backdoor_200

from trojanscope.detect.tabular_search import TabularSearch
from trojanscope.detect.tree_boxes import box_excess, leaf_excess, most_missed, replay_rows
from trojanscope.detect.tree_recur_boxes import recurring_leaves, top_bounds, with_recurring
from trojanscope.errors import UserInputError
from trojanscope.models.trees import LeafRecord

TRIGGER = (5, 0.4, 0.41)


def leaves() -> list[LeafRecord]:
    """Twenty trees: in each a natural class-0 leaf that 200 rows miss by chance (2% of the
    training rows, none of the clean ones) on its own bound, and a small poison fragment
    (0.3%, none) on the trigger's bound, which recurs in every tree."""
    out = []
    for t in range(20):
        out.append(LeafRecord(t, 0, 0.1, 0.02, 0.0, {t % 4: (0.1 * t, 0.1 * t + 0.05)}))
        out.append(LeafRecord(t, 0, 0.1, 0.003, 0.0, {5: (0.4, 0.41), 1: (0.0, 0.5 + t)}))
        out.append(LeafRecord(t, 1, 0.1, 0.2, 0.1, {4: (0.1 * t, 0.1 * t + 0.1)}))
    return out


def test_the_recurring_bound_brings_back_the_fragments_the_deficit_ranks_out() -> None:
    records = leaves()
    missed = most_missed(records, 0, 200, top=10)
    assert all(TRIGGER[0] not in r.box for r in missed)  # the natural leaves fill the top ten
    assert top_bounds(records, 200, 0, 1) == [TRIGGER]
    extra = recurring_leaves(records, 200, 0, bounds=1)
    assert len(extra) == 2 and all(r.box[5] == (0.4, 0.41) for r in extra)
    both = with_recurring(missed, records, 200, 0, bounds=1)
    assert both[:10] == missed and len(both) == 12  # the top ten first, in their order
    assert with_recurring(missed, records, 200, 0, bounds=0) == missed


def test_no_class_leaves_no_bounds_and_each_leaf_once() -> None:
    records = leaves()
    assert top_bounds(records, 200, 2, 3) == []  # a class without leaves
    missed = recurring_leaves(records, 200, 0, bounds=1)  # already replayed: not twice
    assert len(with_recurring(missed, records, 200, 0, bounds=1)) == 2


@pytest.mark.parametrize("value", [-1, 17])
def test_box_recur_out_of_range_is_one_error(value: int) -> None:
    with pytest.raises(UserInputError, match=r"box_recur must be in 0\.\.16"):
        TabularSearch(box_recur=value)


@pytest.mark.slow  # trains a LightGBM model: 2-13 s at the machine's load
def test_a_lightgbm_backdoor_read_with_200_rows_replays_at_least_the_top_ten() -> None:
    """On a trained LightGBM backdoor (test_tree_boxes.py's table) read with 200 clean rows,
    the replayed set holds the top ten first, and each class's box excess is at least the top
    ten's (the mean of the best boxes of a larger set)."""
    model, ref, records, clean_x, clean_y = lightgbm_backdoor_200()
    top = box_excess(model, ref, records, clean_x, clean_y, SCHEMA, 2)
    leaves = {c: with_recurring(most_missed(records, c, 200, 10), records, 200, c, 8)
              for c in (0, 1)}
    assert all(leaves[c][:10] == most_missed(records, c, 200, 10) for c in (0, 1))
    more = leaf_excess(model, ref, leaves, clean_x, SCHEMA, 2, 3,
                       replay_rows(model, ref, clean_x, clean_y, 2))
    assert (more.excess >= top.excess - 1e-12).all()
