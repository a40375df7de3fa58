"""The word-order scorer of stop 36 (``benchmarks/text_order_score.py``): the ``:order``
calibrators record what the stacker was fitted on (its rows), the default calibrator's record
under ``base`` (review hR3), and the folded calibrator gives the stacker's probability."""

from __future__ import annotations

import math

import pytest

from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.evaluate import ZooRow


def row(name: str, bad: bool, order: float) -> ZooRow:
    return ZooRow(name, bad, "sentence" if bad else None, 1 if bad else None, 0.5, 0.0, None,
                  0.0, {"tp_prob": 0.9 if bad else 0.2, "tp_order": order}, ["activation:relu"])


def test_folded_records_the_stackers_rows_and_keeps_the_base_under_its_own_key(
    load_benchmark
) -> None:
    score = load_benchmark("text_order_score")
    base = Calibrator("text-inversion", ["tp_prob"], [2.0], -1.0,
                      {"n_models": 120, "C": 0.3, "models": "base rows",
                       "coverage": {"activation:relu": 60, "text:wordbag": 60}},
                      [0.5], [0.25], "none")
    rows = [row(f"cnn-min2-{i}", i % 2 == 1, float(i % 3)) for i in range(6)]
    stacked = [ZooRow(**{**r.__dict__, "features": {**r.features, "td_logit": base.logit(
        r.features)}}) for r in rows]
    stack = Calibrator("text-inversion", ["td_logit", "tp_order"], [0.7, 1.5], 0.2,
                       {"n_models": 6, "C": 1.0}, [0.1, 1.0], [2.0, 0.8], "none")
    cal = score.folded(stack, base, "k:order",
                       score.fitted_rows(stacked, ["text-a-order"] * 3 + ["text-b-order"] * 3))
    on = cal.fitted_on
    assert on["n_models"] == 6 and on["coverage"] == {"activation:relu": 6}
    assert on["zoo"] == ["text-a", "text-b"] and "6 development Kim CNN rows" in on["models"]
    assert on["base"]["n_models"] == 120 and on["base"]["coverage"]["text:wordbag"] == 60
    for r in stacked:  # the fold is exact
        assert cal.probability(r.features) == pytest.approx(stack.probability(r.features))


def test_the_shipped_order_calibrators_say_they_were_fitted_on_116_kim_cnns() -> None:
    cals = load_calibrators()
    for key in ("text-inversion:behaviour:phrase:lift:arch:order",
                "text-inversion:behaviour:unordered:phrase:lift:arch:order"):
        on = cals[key].fitted_on
        assert on["n_models"] == 116 == on["order_stacker"]["n_models"]
        assert on["coverage"] == {"activation:relu": 116}
        assert on["base"]["n_models"] == 120
        assert math.isclose(on["C"], on["order_stacker"]["C"])
