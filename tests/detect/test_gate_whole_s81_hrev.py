"""Stop 81 review (hrev): the mask gate's entry checks read every count, step budget and seed
through one test, ``class_excess.whole`` (an int, not a bool, at least its least), where four
checks had each written it (the entry's ``refs`` / ``check``, its ``steps``, stop 80's ``noise``
and stop 81's ``lift``): each still refuses a bool, a fraction and a number under its least,
and still takes its least."""

from __future__ import annotations

import json

import pytest
from test_mask_gate import FITTED

from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.class_excess import whole
from trojanscope.detect.mask_gate import ENTRY
from trojanscope.errors import UserInputError

NOISE = {"line": 0.4, "count": 8, "seed": 0}
LIFT = {"floor": 0.03, "line": 1.0, "side": 4, "hosts": 16, "seed": 0}


def _load(tmp_path, **changed) -> dict:
    path = tmp_path / "cal.json"
    entry = {"method": ENTRY, "features": [], "coef": [], "intercept": 0.0,
             "fitted_on": {**FITTED, **changed}}
    path.write_text(json.dumps({ENTRY: entry}))
    return load_calibrators(path)


def test_whole_takes_ints_at_least_its_least_only() -> None:
    assert whole(0, 0) and whole(3, 1) and not whole(0, 1)
    assert not any(whole(v, 0) for v in (True, False, 1.0, 2.5, "1", None))


@pytest.mark.parametrize("changed", [
    {"refs": True}, {"check": 0}, {"refs": 2.0},
    {"steps": {"cnn": True, "dense": 300}}, {"steps": {"cnn": 300, "dense": 0}},
    {"noise": {**NOISE, "count": True}}, {"noise": {**NOISE, "seed": -1}},
    {"lift": {**LIFT, "side": True}}, {"lift": {**LIFT, "hosts": 0}},
    {"lift": {**LIFT, "seed": 1.5}}])
def test_each_check_refuses_what_is_not_a_whole_number_at_its_least(tmp_path, changed) -> None:
    with pytest.raises(UserInputError, match=ENTRY):
        _load(tmp_path, **changed)


def test_each_check_takes_its_least(tmp_path) -> None:
    got = _load(tmp_path, refs=1, check=1, steps={"cnn": 1, "dense": 1},
                noise={**NOISE, "count": 1, "seed": 0}, lift={**LIFT, "side": 1, "hosts": 1})
    assert got[ENTRY].fitted_on["lift"]["side"] == 1
