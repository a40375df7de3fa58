"""Issue 16 stop 60 (h16): candidate BMRG's file is what ``dev.sh.txt`` says -- stop 59's BMR
unchanged plus one raise-only gap term per library, its start the highest clean development
200-row gap + 0.05 over the committed readings (the fresh pair 4900/4910 in none); the suite's
user-made XGBoost (200-row features as read at stop 59) goes from BMR's miss to flagged."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.calibration_range import guarded_probability
from trojanscope.detect.tabular_gap_raise import raised_probability

ROOT = Path(__file__).resolve().parents[2]
S59 = ROOT / "benchmarks" / "data" / "tabular_s59_h16"
S60 = ROOT / "benchmarks" / "data" / "tabular_s60_h16"
XGB = "tabular-search:tree:xgboost:rows200"
FRESH = {"tab-fresh40", "tab-fresh40-lc"}  # this stop's fresh pair: never in a fit


def test_bmrg_is_bmr_plus_two_gap_terms_from_the_committed_readings() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_gap_raise as fit
    import tabular_size_calibrate as size

    bmr, cand = load_calibrators(S59 / "calibration_bmr.json"), load_calibrators(
        S60 / "calibration_bmr_gap.json")
    gaps = {f"tabular-search:tree:{lib}:rows200:gap" for lib in ("xgboost", "lightgbm")}
    assert set(cand) == set(bmr) | gaps
    for key, cal in bmr.items():
        assert (cand[key].coef, cand[key].intercept) == (cal.coef, cal.intercept), key
    rows = fit.band_rows(size.load([str(ROOT / f) for f in
                                    (S60 / "r200_rows.txt").read_text().split()]))
    assert FRESH.isdisjoint({r["zoo"] for r in rows}) and len({r["zoo"] for r in rows}) == 18
    mine = fit.gap_terms(rows, 0.05, 10.0, 4.0)
    for key in gaps:
        assert -cand[key].intercept / cand[key].coef[0] == pytest.approx(
            -mine[key].intercept / mine[key].coef[0])
        assert cand[key].fitted_on["most"] == 4.0


def test_the_suite_model_is_flagged_again_and_a_low_gap_reads_as_bmr() -> None:
    cand = load_calibrators(S60 / "calibration_bmr_gap.json")
    read = json.loads((S59 / "user_models.json").read_text())["readings"]
    suite = next(r for r in read if r["model"] == "suite-xgb" and r["rows"] == 200)
    low = next(r for r in read if r["model"] == "own-xgb-clean" and r["rows"] == 200)
    for r, flagged in ((suite, True), (low, False)):
        base = guarded_probability(XGB, cand, r["features"])
        p = raised_probability(XGB, cand, r["features"], base)
        assert (base >= 0.5, p >= 0.5) == ((False, True) if flagged else (False, False))
