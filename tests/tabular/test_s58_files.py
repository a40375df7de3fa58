"""Issue 16 stop 58's candidate file NT is what ``dev.sh.txt`` says: the shipped file with
``network:sure`` refitted on 277 development networks (24 zoos) and the trees' two 200-row band
entries refitted in their whole-split designs on 12 development zoos' 200-row readings; the
fresh pair 4600/4610 is in no fit."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from sure_refit import refit_sure

from shipped_calibration import shipped_calibrators_before_centre
from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
S58 = ROOT / "benchmarks" / "data" / "tabular_s58_h16"
SURE = "tabular-search:network:sure"
BANDS = {f"tabular-search:tree:{lib}:rows200" for lib in ("xgboost", "lightgbm")}
FRESH = {"tab-fresh37", "tab-fresh37-lc"}  # this stop's fresh pair: never in a fit


def _files(listing: str) -> list[str]:
    return [str(ROOT / f) for f in (S58 / listing).read_text().split()]


def test_nt_changes_three_entries_of_the_shipped_file() -> None:
    cand = load_calibrators(S58 / "calibration_nt.json")
    shipped = shipped_calibrators_before_centre()
    assert set(shipped) <= set(cand) and set(cand) - set(shipped) <= {SURE}
    for key, cal in shipped.items():
        if key not in BANDS | {SURE}:
            assert (cand[key].coef, cand[key].intercept) == (cal.coef, cal.intercept), key
    for key in BANDS:  # each library's whole-split design
        whole = shipped[key.rsplit(":", 1)[0]]
        assert cand[key].features == whole.features and cand[key].transform == whole.transform
    assert cand[SURE].features == ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                   "tab_excess_sure"]


def test_the_band_entries_are_the_committed_200_row_readings_refitted(tmp_path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_size_calibrate as size

    rows = size.load(_files("r200_rows.txt"))
    zoos = {r["zoo"] for r in rows}
    assert len(zoos) == 12 and FRESH.isdisjoint(zoos) and "tab-fresh36" in zoos
    out = tmp_path / "cal.json"
    shutil.copy(ROOT / "src/trojanscope/detect/calibration.json", out)
    size.write(rows, ["tree:xgboost=shipped|none|1", "tree:lightgbm=shipped|log|1"],
               "rows200", out)
    mine, cand = load_calibrators(out), load_calibrators(S58 / "calibration_nt.json")
    for key in BANDS:
        assert mine[key].coef == pytest.approx(cand[key].coef, abs=1e-9)
        assert mine[key].intercept == pytest.approx(cand[key].intercept, abs=1e-9)


def test_the_sure_entry_is_the_committed_development_networks_refitted(tmp_path) -> None:
    rows, mine = refit_sure(S58 / "sure_rows.txt", tmp_path / "cal.json")
    zoos = {r["zoo"] for r in rows}
    assert len(rows) == 277 and len(zoos) == 24 and FRESH.isdisjoint(zoos)
    cand = load_calibrators(S58 / "calibration_nt.json")[SURE]
    assert mine.coef == pytest.approx(cand.coef, abs=1e-9)
    assert mine.intercept == pytest.approx(cand.intercept, abs=1e-9)
