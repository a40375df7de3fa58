"""``label-groups -p verdict=7`` (issue 16 stop 77 h16d): ``verdict=6`` with two more ways a
group counts — a far group the ``misfits`` screen raised at a ``z`` of at least
``FAR_MISFIT_7`` (``misfit_evidence``): a conjunction written on rows of another label and
relabelled towards a 95% label, whose rows look like that label (``lean`` over 1) and share no
rare value, so ``far_evidence`` does not read it (the shape of spent sets 17055 and 17454); and
a group over the floor reading the reverse of a natural factor on ``within`` and ``mirror_z``
(``swapped_evidence``: spent set 17156)."""

from __future__ import annotations

import pytest
import torch
from test_label_groups_strays import graded_table
from test_label_groups_verdict import _detect
from test_label_groups_verdict6 import _far

from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_misfits import MISFIT_Z
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.table_verdict import (
    FAR_6,
    FAR_MISFIT_7,
    MIRROR_7,
    VERDICT_FLOOR_2,
    WITHIN_7,
    verdict_at,
)
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _judged(g: dict, level: int) -> bool:
    return verdict_at(level, [g], ["g"]).poisoned


def _written(**kw) -> dict:
    """17454: a 28-row pair scoring 15.6 raised by ``misfits`` at z 11.6, its rows leaning to
    their label (1.13) and sharing no rare value (``lift`` 0.002)."""
    return _far(**{"rows": 28, "score": 15.6, "excess": -0.1, "lean": 1.13, "lift": 0.002,
                   "part_lift": -0.1, "misfit": 11.6, **kw})


def test_a_far_misfits_group_counts_at_7_not_at_6() -> None:
    assert FAR_MISFIT_7 >= 2 * MISFIT_Z
    assert _judged(_written(), 7) and not _judged(_written(), 6)
    assert _judged(_written(misfit=FAR_MISFIT_7), 7)
    assert not _judged(_written(misfit=FAR_MISFIT_7 - 0.01), 7)  # under the screen's bar
    assert not _judged(_written(score=FAR_6 - 0.01), 7)  # not far: the floor's paths only
    g = _written()
    del g["misfit"]  # raised by another screen (a real table's deterministic factor)
    assert not _judged(g, 7)
    reason = verdict_at(7, [_written()], ["g"]).reasons[0]
    assert "do not fit the column their value nearly fixes (misfits z 11.6)" in reason


def _swapped(**kw) -> dict:
    """17156: one value, 324 rows of the 9% label scoring 3.24, ``within`` -3.23, ``mirror_z``
    2.92, ``excess`` 0.08 and ``purity`` 0.545 (no earlier way reads it)."""
    g = {"label": 1, "rows": 324, "score": 3.24, "excess": 0.08, "share": 0.09, "lean": -0.05,
         "lift": 0.003, "part_lift": None, "excess_z": 1.2, "categorical": True,
         "purity": 0.545, "within": -3.23, "mirror_z": 2.92, "value_rows": 594, "outside": 270}
    return {**g, **kw}


def test_a_group_reading_the_reverse_of_a_natural_factor_counts_at_7() -> None:
    assert _judged(_swapped(), 7) and not _judged(_swapped(), 6)
    assert _judged(_swapped(within=WITHIN_7, mirror_z=MIRROR_7), 7)
    assert not _judged(_swapped(within=WITHIN_7 + 0.01), 7)
    assert not _judged(_swapped(mirror_z=MIRROR_7 - 0.01), 7)  # DAAG/cricketer's 0.79
    assert not _judged(_swapped(score=VERDICT_FLOOR_2 - 0.01), 7)  # under the floor
    assert not _judged(_swapped(within=None), 7)  # too few rows of the other labels
    reason = verdict_at(7, [_swapped()], ["g"]).reasons[0]
    assert "(within -3.23)" in reason and "the reverse of a natural factor" in reason


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[int, object]:
    """``test_label_groups_misfits``' graded table: written (10 rows relabelled 0) and clean."""
    out = {}
    for poison in (10, 0):
        df, _ = graded_table(1, poison=poison, written=2, city=3)
        path = tmp_path_factory.mktemp("v7") / "t.csv"
        df.to_csv(path, index=False)
        out[poison] = load_suspect(path, "y").data
    return out


def test_verdict_7_judges_the_written_table_that_6_judges_clean(graded) -> None:
    six = detect_data(graded[10], method="label-groups", verdict=6)
    seven = detect_data(graded[10], method="label-groups", verdict=7)
    assert six.poisoned is False and len(six.flagged) == 0
    best = seven.details["groups"][0]
    assert best["screen"] == "misfits" and best["screen_z"] >= FAR_MISFIT_7, best
    assert seven.poisoned is True and seven.details["verdict"]["classes"] == [0]
    assert len(seven.flagged) > 0
    clean = detect_data(graded[0], method="label-groups", verdict=7)
    assert clean.poisoned is False and len(clean.flagged) == 0


def test_verdict_7_keeps_what_6_judges_and_refuses_8(tmp_path) -> None:
    from test_label_groups_verdict import _table

    clean = _detect(_table(0), tmp_path, verdict=7)
    assert clean.poisoned is False and len(clean.flagged) == 0
    dirty = _detect(_table(0, poison=40, strength=1.5), tmp_path, verdict=7)
    assert dirty.poisoned is True and dirty.details["verdict"]["classes"] == [0]
    with pytest.raises(UserInputError, match="6 or 7"):
        _detect(_table(0), tmp_path, verdict=8)
