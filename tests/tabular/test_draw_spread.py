"""Issue 16 stop 63 (h16): the k-reading helpers -- the k-reading verdict takes draw 0's
target and the median / mean over the readings asked for, a spread is a range of p, and the
rule's R replaces only the 200-row readings the candidate read (refusing one D lacks)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_draw_spread as spread
    import tabular_kread_rule as rule

    return spread, rule


def _reading(kind: str, j: int, p: float, target: int = 0, cpu: float = 1.0) -> dict:
    return {"kind": kind, "j": j, "probability": p, "predicted_target": target,
            "features": {}, "family": "network:twins:rows200", "cpu_s": cpu}


def test_verdict_median_mean_and_draw_zeros_target() -> None:
    spread, _ = _bench()
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


def test_the_rule_replaces_only_the_readings_the_candidate_read() -> None:
    _, rule = _bench()
    d200 = [{"zoo": "z", "name": n, "size": 200, "draw": 0, "probability": p}
            for n, p in (("a", 0.7), ("b", 0.2))]
    cand = [{"zoo": "z", "name": "b", "size": 200, "draw": 0, "probability": 0.9}]
    r, n = rule.replaced(d200, cand)
    assert n == 1 and [x["probability"] for x in r] == [0.7, 0.9]
    with pytest.raises(SystemExit, match="twice"):
        rule.replaced(d200, cand * 2)
    with pytest.raises(SystemExit, match="z/c, which D did not"):
        rule.replaced(d200, [{**cand[0], "name": "c"}])
