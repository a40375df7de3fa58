"""Issue 16 stop 66 (h16): the rule's R built from the trees' ``box_recur`` readings, the
target-0 families, the whole split's entries, and the fit script's file loading."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src/trojanscope/detect/calibration.json"


def _bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_s66_h16_fit as fit
    import tabular_s66_h16_rule as rule

    return fit, rule


def _row(name: str, arch: str, bd: bool, p: float, draw: int = 0, target: int = 0) -> dict:
    return {"zoo": "z", "name": name, "arch": arch, "table": "credit-default", "size": 200,
            "backdoored": bd, "target": target if bd else None, "probability": p,
            "predicted_target": target, "draw": draw}


def test_r_takes_each_trees_candidate_reading_and_keeps_the_networks() -> None:
    _, rule = _bench()
    d = [_row("m", "mlp", True, 0.9), _row("x", "xgboost", True, 0.2),
         _row("y", "lightgbm", False, 0.7)]
    cand = [_row("x", "xgboost", True, 0.8)]  # y was not read with box_recur
    r, kept = rule.with_candidate_trees(d, cand)
    assert [x["name"] for x in kept] == ["m", "x"]  # left out of both
    assert [x["probability"] for x in r] == [0.9, 0.8]


def test_target0_ce_is_the_worse_library_with_its_clean_trees() -> None:
    _, rule = _bench()
    rows = [_row("x0", "xgboost", True, 0.9), _row("xc", "xgboost", False, 0.1),
            _row("l0", "lightgbm", True, 0.3), _row("lc", "lightgbm", False, 0.6),
            _row("l1", "lightgbm", True, 0.01, target=1)]  # towards 1: not in the family
    ce, name = rule.target0_ce(rows)
    assert name == "lightgbm target 0"
    assert ce == pytest.approx(-(math.log(0.3) + math.log(0.4)) / 2)


def test_whole_entries_equal_only_when_nothing_outside_the_band_moved(tmp_path: Path) -> None:
    _, rule = _bench()
    cal = json.loads(SHIPPED.read_text())
    band = tmp_path / "band.json"
    cal["tabular-search:tree:xgboost:rows200"]["intercept"] += 1.0
    band.write_text(json.dumps(cal))
    assert rule.whole_entries_equal(band)
    cal["tabular-search:tree:xgboost"]["intercept"] += 1.0
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps(cal))
    assert not rule.whole_entries_equal(whole)


def test_fit_load_keeps_trees_at_200_rows_by_draw_and_refuses_a_reading_twice(
        tmp_path: Path) -> None:
    fit, _ = _bench()
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"rows": [_row("x", "xgboost", True, 0.5),
                                         _row("m", "mlp", True, 0.5),
                                         {**_row("y", "lightgbm", False, 0.5), "size": 891}]}))
    rows = fit.load([f"{path}#2"])
    assert [(r["name"], r["draw"]) for r in rows] == [("x", 2)]
    with pytest.raises(SystemExit, match="read twice"):
        fit.load([f"{path}#1", f"{path}#1"])


def test_readme_condition_without_readings_needs_the_xgboost_entries_as_shipped(
        tmp_path: Path) -> None:
    _, rule = _bench()
    cal = json.loads(SHIPPED.read_text())
    cal["tabular-search:tree:lightgbm:rows200"]["intercept"] += 1.0
    lgbm = tmp_path / "lgbm.json"
    lgbm.write_text(json.dumps(cal))
    assert rule.xgboost_entries_equal(lgbm)
    cal["tabular-search:tree:xgboost:rows200"]["intercept"] += 1.0
    both = tmp_path / "both.json"
    both.write_text(json.dumps(cal))
    assert not rule.xgboost_entries_equal(both)
