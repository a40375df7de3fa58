"""The range guard (issue 16 stop 49): a calibrator that records its fitted range is read only
inside it; outside, its ``:out-of-range`` calibrator scores the reading and a note says why. The
committed guarded files: the suite's user-made XGBoost reading (stop 48: p 0.997 shipped, 0.003
with the refit) reads as shipped; inside the range a reading gets the refit's p; the LightGBM-only
file keeps the shipped XGBoost entry; ``tabular_band_guard.py --lozo`` takes a held-out zoo's
range from the other zoos only."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from shipped_calibration import shipped_before_s60
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.calibration_range import OUT_OF_RANGE, guarded_probability, outside

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49 (the candidate's base)
XGB = "tabular-search:tree:xgboost:rows200"
LGBM = "tabular-search:tree:lightgbm:rows200"
# the suite's user-made XGBoost model read with its 200-row file (tabular_s48a/user_file.txt)
SUITE = {"tab_mass": 1.805, "tab_box": 0.261, "tab_box_over": 0.047, "tab_gap": 0.982,
         "tab_major_recur_lead": 3.668}


def _cal(method: str, coef: float, rng: list[float] | None = None) -> Calibrator:
    fitted = {"n_models": 10} if rng is None else {"n_models": 10, "range": {"x": rng}}
    return Calibrator(method=method, features=["x"], coef=[coef], intercept=0.0,
                      fitted_on=fitted, mean=[0.0], scale=[1.0])


def _verdict(x: float) -> ModelVerdict:
    return ModelVerdict(method="m", statistic=0.0, target_classes=[0, 1], per_class=[],
                        features={"x": x})


def test_outside_lists_only_features_beyond_their_range() -> None:
    cal = _cal("m", 1.0, [-1.0, 1.0])
    assert outside(cal, {"x": 0.5}) == []
    assert outside(cal, {"x": 1.0}) == []  # the edges are inside
    assert outside(cal, {"x": 1.5}) == [("x", 1.5, -1.0, 1.0)]
    assert outside(cal, {"x": -3.0}) == [("x", -3.0, -1.0, 1.0)]
    assert outside(cal, {"x": math.nan}) != []
    assert outside(_cal("m", 1.0), {"x": 99.0}) == []  # no range recorded: nothing outside


def test_calibrate_reads_the_out_of_range_calibrator_outside_only() -> None:
    cals = {"m": _cal("m", 2.0, [-1.0, 1.0]), f"m:{OUT_OF_RANGE}": _cal(f"m:{OUT_OF_RANGE}", -1.0)}
    inside = calibrate(_verdict(0.5), cals)
    assert inside.probability == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert not any("outside the range" in n for n in inside.coverage_notes)
    far = calibrate(_verdict(3.0), cals)
    assert far.probability == pytest.approx(1 / (1 + math.exp(3.0)))  # -1 * 3, not 2 * 3
    note = next(n for n in far.coverage_notes if "outside the range" in n)
    assert "x 3" in note and f"m:{OUT_OF_RANGE}" in note
    # without the fallback entry the calibrator reads as before, extrapolating
    alone = calibrate(_verdict(3.0), {"m": cals["m"]})
    assert alone.probability == pytest.approx(1 / (1 + math.exp(-6.0)))


def test_the_guarded_file_reads_the_suite_model_as_shipped() -> None:
    shipped = shipped_before_s60()  # the band entries the guard kept (stops 40-59)
    refit = load_calibrators(DATA / "tabular_s48a" / "calibration_band.json")
    guard = load_calibrators(DATA / "tabular_s49a" / "calibration_band_guard.json")
    assert refit[XGB].probability(SUITE) < 0.01  # stop 48's finding
    assert guarded_probability(XGB, guard, SUITE) == pytest.approx(
        shipped[XGB].probability(SUITE))
    assert guarded_probability(XGB, guard, SUITE) > 0.99
    inside = {**SUITE, "tab_major_recur_lead": 0.0}
    assert guarded_probability(XGB, guard, inside) == pytest.approx(
        refit[XGB].probability(inside))
    for key in (XGB, LGBM):  # the fallback is today's entry, the range the fitting readings'
        assert guard[f"{key}:{OUT_OF_RANGE}"].coef == shipped[key].coef
        assert set(guard[key].fitted_on["range"]) == set(guard[key].features)


def test_the_candidate_file_changes_only_the_lightgbm_band_entry() -> None:
    shipped = load_calibrators(STOP49)
    cand = load_calibrators(DATA / "tabular_s49a" / "calibration_band_lgbm_guard.json")
    refit = load_calibrators(DATA / "tabular_s48a" / "calibration_band.json")
    assert cand[XGB] == shipped[XGB] and f"{XGB}:{OUT_OF_RANGE}" not in cand
    assert cand[LGBM].coef == refit[LGBM].coef
    assert cand[f"{LGBM}:{OUT_OF_RANGE}"].coef == shipped[LGBM].coef
    same = [k for k in shipped if k != LGBM]
    assert all(cand[k] == shipped[k] for k in same)


@pytest.fixture()
def guard_script(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(
        "tabular_band_guard", ROOT / "benchmarks" / "tabular_band_guard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(zoo: str, recur: float, p: float) -> dict:
    return {"zoo": zoo, "name": f"m{recur}", "base_family": "tree:xgboost", "probability": p,
            "features": {"tab_mass": 2.0, "tab_box": 0.3, "tab_box_over": 0.1, "tab_gap": 0.2,
                         "tab_major_recur_lead": recur,
                         # read by the entries shipped since stop 60
                         "tab_mass_group": 2.2, "tab_major_recur": 3.0}}


def test_lozo_takes_a_zoos_range_from_the_other_zoos(guard_script, tmp_path) -> None:
    rows = [_row("a", 0.0, 0.5), _row("a", 0.5, 0.5), _row("b", 5.0, 0.5),
            _row("c", 0.2, 0.5)]
    out = tmp_path / "g.json"
    guard_script.lozo(rows, out, ["tree:xgboost"])
    got = {(r["zoo"], r["name"]): r["probability"] for r in json.loads(out.read_text())["rows"]}
    shipped = load_calibrators()[XGB]  # the script's fallback: the shipped entry
    # zoo b's 5.0 lies outside a's and c's range (0 to 0.5): the shipped entry's p
    assert got[("b", "m5.0")] == pytest.approx(shipped.probability(rows[2]["features"]))
    # a's 0.5 lies inside the range b and c span (0.2 to 5.0); c's 0.2 inside a's and b's
    assert got[("a", "m0.5")] == 0.5 and got[("c", "m0.2")] == 0.5
    # a's 0.0 lies below b's and c's (0.2 to 5.0): shipped
    assert got[("a", "m0.0")] == pytest.approx(shipped.probability(rows[0]["features"]))
