"""A calibrator's ``floor`` (issue 15, stop 41): the word-order stacker may raise a Kim CNN's
verdict but never gives less than the default calibrator of its path."""

from __future__ import annotations

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import (
    Calibrator,
    calibrate,
    floored_probability,
    load_calibrators,
)

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
