"""``label-groups``' ``misfits`` screen (issue 16 stop 71, the default; 0: off): a two-value
trigger written on rows of the other label and relabelled towards the majority label, found
because its rows do not fit the column one of its values says most about, beside that value's
other holders (``lending-club``'s ``sub_grade`` written on rows that keep their own
``int_rate``), grouped by the condition they share."""

from __future__ import annotations

import numpy as np
import pytest
from test_label_groups_covers import rates
from test_label_groups_strays import codes_of, graded_table

from trojanscope.detect.data.group_words import group_words
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.detect.data.label_misfits import MISFIT_SHARE, MISFIT_Z, misfit_conditions
from trojanscope.detect.data.label_strays import binned
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError


def test_the_written_rows_share_one_condition_of_misfit_rows() -> None:
    """10 label-1 rows written the common grade ``g2`` and city ``c3`` and relabelled 0: their
    condition, ``grade`` × ``city``, holds far more misfit rows of label 0 than its rows
    predict; they are over a quarter of its label-0 rows, so the group is all of those."""
    df, mask = graded_table(1, poison=10, written=2, city=3)
    codes, labels = codes_of(df), df["y"].to_numpy()
    found = list(misfit_conditions(codes, binned(codes, 30, 10), labels, [2, 3], 5))
    assert len(found) == 1, found
    c, cols, rows, z = found[0]
    assert c == 0 and cols == (2, 3) and z > MISFIT_Z + 1
    assert (rows & mask).sum() == mask.sum() and mask.sum() >= MISFIT_SHARE * rows.sum()
    held = (df["grade"] == "g2") & (df["city"] == "c3") & (df["y"] == 0)
    assert np.array_equal(rows, held.to_numpy())


def test_a_clean_graded_table_has_no_condition_of_misfit_rows() -> None:
    df, _ = graded_table(1, poison=0)
    codes, labels = codes_of(df), df["y"].to_numpy()
    assert list(misfit_conditions(codes, binned(codes, 30, 10), labels, [2, 3], 5)) == []


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[np.ndarray, object]:
    df, mask = graded_table(1, poison=10, written=2, city=3)
    path = tmp_path_factory.mktemp("mf") / "t.csv"
    df.to_csv(path, index=False)
    return mask, load_suspect(path, "y").data


def test_misfits_flags_the_trigger_stop_70s_default_misses(written) -> None:
    mask, data = written
    tpr, _ = rates(detect_data(data, method="label-groups", misfits=0), mask)
    assert tpr < 0.5
    result = detect_data(data, method="label-groups")
    tpr, fpr = rates(result, mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)
    # stop 72: the group says which screen raised it (stop 71's read-through: it did not)
    best = result.details["groups"][0]
    assert best["screen"] == "misfits" and best["screen_z"] > MISFIT_Z, best
    assert group_words(best).endswith(f"screen misfits at z {best['screen_z']:.2f})")


def test_without_misfit_rows_the_flags_are_equal(tmp_path) -> None:
    df, _ = graded_table(1, poison=0)
    df.to_csv(tmp_path / "c.csv", index=False)
    data = load_suspect(tmp_path / "c.csv", "y").data
    a = detect_data(data, method="label-groups", misfits=0)
    b = detect_data(data, method="label-groups")
    assert np.array_equal(np.sort(a.flagged), np.sort(b.flagged))


@pytest.mark.parametrize("bad", [2, -1, 0.5, True, float("nan"), "1"])
def test_misfits_is_zero_or_one(bad) -> None:
    with pytest.raises(UserInputError, match="misfits is 0"):
        LabelGroups(misfits=bad)


def test_misfits_is_on_by_default_and_0_turns_it_off() -> None:
    assert LabelGroups().misfits == 1 and LabelGroups(misfits=0.0).misfits == 0
