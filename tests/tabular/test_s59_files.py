"""Issue 16 stop 59 (h16): candidate BMR's file is what ``dev.sh.txt`` says -- the shipped file
with the trees' two 200-row band entries refitted in the design "box + mass_group + recur" (no
``tab_gap``, which does not rank credit-default's trees at 200 rows; no
``tab_major_recur_lead``, which turns round there) on 16 development zoos' 200-row readings;
the fresh pair 4800/4810 is in no fit."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from shipped_calibration import shipped_calibrators_before_centre
from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
S59 = ROOT / "benchmarks" / "data" / "tabular_s59_h16"
BANDS = {f"tabular-search:tree:{lib}:rows200" for lib in ("xgboost", "lightgbm")}
DESIGN = ["tab_box", "tab_mass_group", "tab_major_recur"]
FRESH = {"tab-fresh39", "tab-fresh39-lc"}  # this stop's fresh pair: never in a fit


def test_bmr_changes_only_the_two_tree_band_entries() -> None:
    cand = load_calibrators(S59 / "calibration_bmr.json")
    shipped = shipped_calibrators_before_centre()  # BMR was written before the centre terms
    assert set(cand) == set(shipped)
    for key, cal in shipped.items():
        if key not in BANDS:
            assert (cand[key].coef, cand[key].intercept) == (cal.coef, cal.intercept), key
    for key in BANDS:
        assert cand[key].features == DESIGN and cand[key].transform == "none"
        assert cand[key].fitted_on["C"] == 10.0 and "tab_gap" not in cand[key].features


def test_the_band_entries_are_the_committed_200_row_readings_refitted(tmp_path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_size_calibrate as size

    rows = size.load([str(ROOT / f) for f in (S59 / "r200_rows.txt").read_text().split()])
    zoos = {r["zoo"] for r in rows}
    assert len(zoos) == 16 and FRESH.isdisjoint(zoos) and "tab-fresh38" in zoos
    out = tmp_path / "cal.json"
    shutil.copy(ROOT / "src/trojanscope/detect/calibration.json", out)
    fit = "box + mass_group + recur|none|10"
    size.write(rows, [f"tree:xgboost={fit}", f"tree:lightgbm={fit}"], "rows200", out)
    mine, cand = load_calibrators(out), load_calibrators(S59 / "calibration_bmr.json")
    for key in BANDS:
        assert mine[key].coef == pytest.approx(cand[key].coef, abs=1e-9)
        assert mine[key].intercept == pytest.approx(cand[key].intercept, abs=1e-9)
