"""Issue 9, stop 74 (h9g): the data-free excess terms carry h9u's guarded flat-MLP entry (the
data path's second ``784/10:activation:relu`` recipe, ``wide`` 1.1 behind ``mmbd_anomaly`` <= 3.0
and ``mmbd_gap`` <= 0.25), shipped by ``benchmarks/data_free_guard_s74_h9g_rule.md`` met on fresh
seeds 170-177 (data-free clean flags 2 -> 1 of 16, none of 24 backdoors lost or renamed)."""

from __future__ import annotations

import json
from pathlib import Path

from script_run import run_script
from shipped_calibration import (
    DATA_FREE_EXCESS,
    shipped_before_s76_h9c,
    shipped_data_free_unguarded_s74,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "data_free_guard_s74_h9g"
DENSE = "784/10:activation:relu"


def _p(report: dict, cals: dict) -> tuple[float, int]:
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate

    v = calibrate(verdict(report), cals)
    return float(v.probability), v.target_classes[0]


def _files() -> tuple[dict, dict]:
    """(before, now), loaded: the data-free terms as h9d shipped them, and as shipped."""
    from excess_wide_s72_h9u import loaded

    return loaded(shipped_data_free_unguarded_s74()), loaded(shipped_before_s76_h9c())


def _fresh() -> list[dict]:
    from data_free_s74_h9d import model_rows

    return model_rows(DATA / "fresh_rows.jsonl.gz", "fresh")


def test_the_shipped_entries_are_the_candidates() -> None:
    from data_free_guard_s74_h9g import candidate

    shipped = shipped_before_s76_h9c()  # stop 76 (h9s, h9c): shuts and own_median marks
    cand = json.loads((DATA / "cal_df_guard.json").read_text())
    made = candidate(shipped)
    for key in DATA_FREE_EXCESS:
        assert shipped[key] == cand[key] == made[key]
        recipes = shipped[key]["fitted_on"]["wide_recipes"][DENSE]
        guarded = [e for e in recipes if "guard" in e]
        assert [e["guard"] for e in guarded] == [{"mmbd_anomaly": 3.0, "mmbd_gap": 0.25}]
        assert guarded == [e for e in shipped["auto:excess"]["fitted_on"]["wide_recipes"][DENSE]
                           if "guard" in e]  # the data path's entry, as it is


def test_a_clean_mlp_leaning_to_6_is_lowered_data_free_and_an_outlier_is_not() -> None:
    """Fresh seed 172's clean torch MLP: flagged at class 6 data-free before (0.756), lowered
    now; the same reading with MM-BD's anomaly above the guard is read as before."""
    before, now = _files()
    row = next(r for r in _fresh() if r["name"] == "172/torch-clean")
    p0, c0 = _p(row["report"], before)
    p1, c1 = _p(row["report"], now)
    assert c0 == c1 == 6 and p0 > 0.7 and p1 < 0.3
    feats = {**row["report"]["features"], "mmbd_anomaly": 5.0}
    outlier = {**row["report"], "features": feats}
    assert _p(outlier, now) == _p(outlier, before)


def test_the_fresh_rows_as_the_rule_read_them() -> None:
    before, now = _files()
    rows = _fresh()
    assert len(rows) == 40 and sum(r["backdoored"] for r in rows) == 24
    flags = {"clean": [0, 0], "bd": [0, 0]}
    for r in rows:
        (p0, c0), (p1, c1) = _p(r["report"], before), _p(r["report"], now)
        side = flags["bd" if r["backdoored"] else "clean"]
        side[0] += p0 >= 0.5
        side[1] += p1 >= 0.5
        if r["backdoored"] and p0 >= 0.5:
            assert p1 >= 0.5 and c1 == c0, r["name"]
    assert flags == {"clean": [2, 1], "bd": [24, 24]}


def test_bad_options_one_line() -> None:
    for args in (("--candidate", "/nonexistent.json"), ("--ship", "/nonexistent.json")):
        proc = run_script("data_free_guard_s74_h9g.py", *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
