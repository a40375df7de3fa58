"""Issue 16 stop 63 (h16): ``tabular_draw_spread.py``'s helpers -- the k-reading verdict takes
draw 0's target and the median / mean over the readings asked for, a spread is a range of p
with the verdicts it turns, and a further draw is read alone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_draw_spread as spread

    return spread


def _reading(kind: str, j: int, p: float, target: int = 0, cpu: float = 1.0) -> dict:
    return {"kind": kind, "j": j, "probability": p, "predicted_target": target,
            "features": {}, "family": "network:twins:rows200", "cpu_s": cpu}


def test_verdict_median_mean_and_draw_zeros_target() -> None:
    spread = _bench()
    row = {"name": "m", "backdoored": False, "target": None, "readings": [
        _reading("sub", 0, 0.9, target=1), _reading("draw", 0, 0.6, target=0),
        _reading("sub", 1, 0.2, target=1), _reading("draw", 1, 0.1),
        _reading("boot", 0, 0.99)]}
    med = spread.verdict(row, ("sub",), "median")
    assert med["probability"] == pytest.approx(0.6) and med["predicted_target"] == 0
    assert med["n"] == 3 and med["cpu_s"] == pytest.approx(3.0)
    assert spread.verdict(row, ("sub",), "mean")["probability"] == pytest.approx(1.7 / 3)
    assert spread.verdict(row, (), "median")["probability"] == pytest.approx(0.6)
    assert spread.verdict(row, ("draw",), "mean")["probability"] == pytest.approx(0.35)
    assert "range of p median 0.70, max 0.70, verdict turned 1 of 1" in spread.spreads([row], "sub")
    assert spread.spreads([row], "seed") == "seed: none read"
    assert spread.alone(row, 1)["probability"] == pytest.approx(0.1)


def test_the_features_median_is_scored_by_draw_zeros_family() -> None:
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.calibration_range import guarded_probability

    spread = _bench()
    cals = load_calibrators(None)
    key = "tabular-search:tree:xgboost:rows200"
    names = cals[key].features
    reads = [{**_reading(kind, j, 0.5), "family": "tree:xgboost:rows200",
              "features": {n: v for n in names} | {"tab_gap": 0.0}}
             for kind, j, v in (("draw", 0, 1.0), ("sub", 0, 2.0), ("sub", 1, 9.0))]
    row = {"name": "t", "backdoored": True, "target": 1, "readings": reads}
    want = guarded_probability(key, cals, {n: 2.0 for n in names} | {"tab_gap": 0.0})
    got = spread.verdict(row, ("sub",), "features-median", cals)["probability"]
    assert got == pytest.approx(want)
    assert spread.verdict(row, ("sub",), "features-mean", cals)["probability"] == pytest.approx(
        guarded_probability(key, cals, {n: 4.0 for n in names} | {"tab_gap": 0.0}))
