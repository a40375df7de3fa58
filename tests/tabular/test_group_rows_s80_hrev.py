"""The twins groups' rows, each row once (``label_twins.group_rows``): what ``twin_null`` counts
on the table and on each shuffled draw, and what ``label-groups`` flags (stop 80's review: the
union was written three times, two of them in ``label-groups``' ``_twins``)."""

from __future__ import annotations

import numpy as np

from trojanscope.detect.data.label_twins import group_rows


def _group(n: int, rows: list[int]) -> dict:
    members = np.zeros(n, bool)
    members[rows] = True
    return {"members": members}


def test_the_rows_of_all_groups_each_once() -> None:
    groups = [_group(8, [0, 1, 2]), _group(8, [2, 3]), _group(8, [7])]
    rows = group_rows(groups, 8)
    assert rows.tolist() == [True, True, True, True, False, False, False, True]
    assert int(rows.sum()) == 5  # row 2 in two groups counts once
    assert not group_rows([], 8).any() and group_rows([], 8).shape == (8,)
    assert groups[0]["members"].sum() == 3  # the groups are not changed
