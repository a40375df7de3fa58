"""Issue 16 stop 58's one rule (``tabular_user_rule.py``): what a user reads with the
candidate, at both readings, pooled and per table -- a cross-entropy margin only where
today's is small, the issue's 90% of right targets (or no added wrong target where today's
misses it), clean flags, one core's time, and every reading scored by the candidate's file;
and ``tabular_r200_look.py --refit``'s right targets among the flagged (stop 58)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tabular_user_rule as rule  # noqa: E402
from tabular_sure_rule import TABLES  # noqa: E402


def _row(table: str, name: str, arch: str, bad: bool, p: float, size: object = 100000,
         family: str = "network") -> dict:
    return {"zoo": table[:2], "name": name, "size": size, "draw": 0, "arch": arch,
            "table": table, "backdoored": bad, "target": 1 if bad else None,
            "probability": p, "predicted_target": 1, "cpu_s": 2.0, "family": family}


def _reading(size: object = 100000) -> list[dict]:
    """Four networks and four trees per table, half backdoored, each read right at 0.8/0.2."""
    fam = {"mlp": "network", "xgboost": "tree:xgboost"}
    if size == 200:
        fam = {"mlp": "network:twins:rows200", "xgboost": "tree:xgboost:rows200"}
    return [_row(t, f"{a}-{k}", a, k % 2 == 1, 0.8 if k % 2 else 0.2, size, fam[a])
            for t in TABLES for a in ("mlp", "xgboost") for k in range(4)]


def _held(d: list[dict], r: list[dict], d200=None, r200=None) -> dict[str, bool]:
    d200 = d200 if d200 is not None else _reading(200)
    return {c: ok for c, _, ok in rule.conditions((d, r), (d200, r200 or d200))}


def test_the_same_reading_meets_every_condition_and_enough_is_counted() -> None:
    d = _reading()
    assert all(_held(d, d).values())
    assert rule.too_few("whole split", d, 2) == []
    few = rule.too_few("whole split", [x for x in d if x["arch"] != "mlp"], 2)
    assert "whole split, credit-default: 0 clean networks (< 2)" in few
    cut = [x for x in _reading(200) if x["table"] == "credit-default"]  # a table never read
    assert "200 rows, lending-club: 0 clean trees (< 3)" in rule.too_few("200 rows", cut, 3)
    assert not any("200 rows, lending-club" in c for c in _held(d, d, cut))


def test_the_margin_holds_only_where_today_reads_under_005() -> None:
    d = _reading()
    sure = [0.01 if not x["backdoored"] else 0.99 for x in d]
    d = [{**x, "probability": p} for x, p in zip(d, sure, strict=True)]  # CE 0.010
    worse = [{**x, "probability": 0.025 if not x["backdoored"] else 0.975} for x in d]  # 0.025
    held = _held(d, worse)
    assert held["whole split, lending-club: CE R <= D + 0.02"]
    worse = [{**x, "probability": 0.1 if not x["backdoored"] else 0.9} for x in d]  # 0.105
    assert not _held(d, worse)["whole split, lending-club: CE R <= D + 0.02"]
    # where today's is not small there is no margin: a little worse fails
    mid = [{**x, "probability": 0.3 if not x["backdoored"] else 0.7} for x in _reading()]
    assert not _held(_reading(), mid)["whole split, credit-default: CE R <= D + 0"]


def _wrong(rows: list[dict], names: set[str]) -> list[dict]:
    return [{**x, "predicted_target": 0} if x["table"] == "credit-default" and x["name"] in names
            else x for x in rows]


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_right_targets_read_against_90_percent_or_no_added_wrong_target() -> None:
    d = _reading()
    key = "whole split, credit-default: right targets among the flagged R >= 0.9"
    assert not _held(d, _wrong(d, {"mlp-1"}))[key]  # 3 of 4 under 90%, today's 4 of 4
    d_miss = _wrong(d, {"mlp-1"})  # today's itself under 90%: R may not add a wrong target
    fallback = f"{key} or wrong R <= D (D under it)"
    assert _held(d_miss, d_miss)[fallback]
    assert not _held(d_miss, _wrong(d, {"mlp-1", "xgboost-1"}))[fallback]
    assert _held(d_miss, d)[fallback]


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_clean_flags_time_and_the_readings_r_equals_d_are_checked() -> None:
    d = _reading()
    flagged = [{**x, "probability": 0.6} if x["name"] == "mlp-0" else x for x in d]
    held = _held(d, flagged)
    assert not held["whole split, credit-default: clean flagged R <= D"]
    slow = [{**x, "cpu_s": 25.0} for x in d]
    assert not _held(d, slow)["whole split, pooled: median CPU s per model R <= 20"]
    banded = [{**x, "family": "tree:xgboost:rows200"} if x["arch"] != "mlp" else x for x in d]
    assert not _held(banded, banded)[
        "whole split: no tree scored by a band calibrator (R = D there)"]
    plain = [{**x, "family": "network:rows200"} if x["arch"] == "mlp" else x
             for x in _reading(200)]
    assert not _held(d, d, plain)["200 rows: every network read with twins (R = D there)"]


def test_every_reading_is_scored_by_its_family_entry(tmp_path: Path) -> None:
    shipped = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    entry = shipped["tabular-search:tree:xgboost:rows200"]
    entry.update(features=["tab_box"], coef=[8.0], intercept=-4.0, transform="none")
    for k in ("mean", "scale"):
        if k in entry:
            entry[k] = [0.0 if k == "mean" else 1.0]
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps(shipped))
    rows = [{**x, "features": {"tab_box": float(x["backdoored"])}}
            for x in _reading(200) if x["arch"] == "xgboost"]
    r, moved = rule.scored(rows, cal)
    assert all((x["probability"] >= 0.5) == x["backdoored"] for x in r)
    assert moved > 0.1
    with pytest.raises(SystemExit, match="holds no tabular-search:tree:nope"):
        rule.scored([{**rows[0], "family": "tree:nope"}], cal)


def test_the_tree_refit_look_counts_right_targets_among_the_flagged() -> None:
    import numpy as np

    import tabular_r200_look as look

    y, p = np.array([0, 1, 1, 1]), np.array([0.2, 0.9, 0.8, 0.3])
    right = np.array([False, True, False, True])
    assert look.figures(y, p, right).endswith("clean flagged 0/1, target right 1/2")
    assert "target right" not in look.figures(y, p)
