"""A calibrator's ``floor`` (issue 15, stop 41): the word-order stacker may raise a Kim CNN's
verdict but never gives less than the default calibrator of its path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import (
    Calibrator,
    calibrate,
    floored_probability,
    load_calibrators,
)
from trojanscope.errors import UserInputError

BASE = Calibrator("m", ["a"], [2.0], 0.0)
STACK = Calibrator("m", ["a", "b"], [1.0, 3.0], -1.0, {"floor": "m:base"})


def test_the_floor_keeps_the_larger_probability() -> None:
    cals = {"m:base": BASE, "m:stack": STACK}
    low, high = {"a": 1.0, "b": -2.0}, {"a": 1.0, "b": 2.0}
    assert floored_probability(STACK, cals, low) == BASE.probability(low)
    assert BASE.probability(low) > STACK.probability(low)
    assert floored_probability(STACK, cals, high) == STACK.probability(high)
    assert STACK.probability(high) > BASE.probability(high)


def test_no_floor_where_the_file_lacks_it_or_a_feature_is_missing() -> None:
    features = {"a": 1.0, "b": -2.0}
    assert floored_probability(STACK, {}, features) == STACK.probability(features)
    unfloored = Calibrator("m", ["a", "b"], [1.0, 3.0], -1.0)
    assert floored_probability(unfloored, {"m:base": BASE}, features) == STACK.probability(
        features)
    wide = Calibrator("m", ["a", "c"], [2.0, 1.0], 0.0)
    assert floored_probability(STACK, {"m:base": wide}, features) == STACK.probability(
        features)


def test_the_shipped_order_docs3_calibrators_are_floored_by_their_default() -> None:
    """Each shipped ``…:order-docs3`` names its path's default as floor; a Kim CNN whose word-order
    feature reads low keeps the default's probability through :func:`calibrate`."""
    cals = load_calibrators()
    keys = [k for k in cals if k.startswith("text-inversion:") and k.endswith(":order-docs3")]
    assert len(keys) == 2
    for key in keys:
        base = key.removesuffix(":order-docs3")
        assert cals[key].fitted_on["floor"] == base
        features = dict(zip(cals[base].features, cals[base].mean or [], strict=True))
        features["tp_order"] = 0.0  # far below every development Kim CNN's (0.67-3.76)
        assert cals[key].probability(features) < cals[base].probability(features)
        verdict = ModelVerdict("text-inversion", 1.0, [1, 0], [], dict(features),
                               family=key.removeprefix("text-inversion:"))
        assert calibrate(verdict, cals).probability == cals[base].probability(features)


ORDER = "text-inversion:behaviour:phrase:lift:arch:order-docs3"


@pytest.mark.parametrize(("floor", "said"), [
    ("text-inversion:behaviour:phrase:lift:arch:nosuch", "names no calibrator of this file"),
    (3, "names no calibrator of this file"),
    (["text-inversion:behaviour:phrase:lift:arch"], "names no calibrator of this file"),
    ("auto", "reads features"),
])
def test_a_malformed_floor_is_one_error_line_when_the_file_is_read(tmp_path, floor,
                                                                    said) -> None:
    """Review of stop 41: a floor naming no calibrator of the file (a typo, a number, a list),
    or one reading features its calibrator does not, was ignored silently at every verdict;
    now the file is refused when read, with one line naming the entry."""
    shipped = Path(__file__).parents[2] / "src" / "trojanscope" / "detect" / "calibration.json"
    data = json.loads(shipped.read_text())
    data[ORDER]["fitted_on"]["floor"] = floor
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserInputError, match=said) as info:
        load_calibrators(path)
    assert ORDER in str(info.value) and "\n" not in str(info.value)
