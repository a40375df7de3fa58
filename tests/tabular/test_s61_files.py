"""Issue 16 stop 61 (h16): candidate RLG's file is what ``dev.sh.txt`` says -- the shipped
file with only the trees' two 200-row band entries refitted with the recurrence lead on the
committed development readings (the fresh pair 5000/5010 in none), each guarded by its fitting
readings' range with the shipped entry as its ``:out-of-range`` one; the designs resolve by name
and an unknown one is refused; the diagnosis counts a 200-row file's rows per class."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
S61 = ROOT / "benchmarks" / "data" / "tabular_s61_h16"
BAND = {"xgboost": ("box + mass_group + recur + recur_lead", 10.0),
        "lightgbm": ("box + mass_group + recur + recur_lead", 1.0)}
FRESH = {"tab-fresh41", "tab-fresh41-lc"}  # this stop's fresh pair: never in a fit


def _bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_size_calibrate as size

    return size


@pytest.mark.slow  # 4.3 s at load 9: it loads 20 zoos' committed rows and refits
def test_rlg_is_the_shipped_file_with_two_band_entries_refitted_and_guarded(
        tmp_path: Path) -> None:
    size = _bench()
    shipped, cand = load_calibrators(), load_calibrators(S61 / "calibration_rlg.json")
    keys = {f"tabular-search:tree:{lib}:rows200" for lib in BAND}
    assert set(cand) == set(shipped) | {f"{k}:out-of-range" for k in keys}
    for key in set(shipped) - keys:
        assert (cand[key].coef, cand[key].intercept) == (shipped[key].coef,
                                                         shipped[key].intercept), key
    for key in keys:  # outside its readings' range a reading is scored as today
        fallback = cand[f"{key}:out-of-range"]
        assert (fallback.features, fallback.coef) == (shipped[key].features, shipped[key].coef)
    rows = size.load([str(ROOT / f) for f in (S61 / "r200_rows.txt").read_text().split()])
    assert FRESH.isdisjoint({r["zoo"] for r in rows}) and len({r["zoo"] for r in rows}) == 20
    out = tmp_path / "refit.json"
    out.write_text((S61 / "calibration_rlg.json").read_text())
    size.write(rows, [f"tree:{lib}={name}|none|{c:g}" for lib, (name, c) in BAND.items()],
               "rows200", out)
    mine = load_calibrators(out)
    for lib, (name, c) in BAND.items():
        key = f"tabular-search:tree:{lib}:rows200"
        assert cand[key].features == size.ADDED_S61[name]
        assert cand[key].fitted_on["C"] == c
        assert cand[key].coef == pytest.approx(mine[key].coef)
        assert cand[key].intercept == pytest.approx(mine[key].intercept)
        sub = [r for r in rows if r["base_family"] == f"tree:{lib}" and str(r["size"]) == "200"]
        assert cand[key].fitted_on["range"]["tab_major_recur_lead"] == pytest.approx(
            [min(r["features"]["tab_major_recur_lead"] for r in sub),
             max(r["features"]["tab_major_recur_lead"] for r in sub)])


def test_the_stop_61_designs_resolve_and_an_unknown_one_is_refused() -> None:
    size = _bench()
    shipped = load_calibrators()
    got = size.fit_spec("tree:xgboost=box + mass_group + recur + recur_lead|none|10", shipped)
    assert got[4] == ["tab_box", "tab_mass_group", "tab_major_recur", "tab_major_recur_lead"]
    with pytest.raises(ValueError, match="unknown design"):
        size.fit_spec("tree:xgboost=box + leaves only|none|10", shipped)


def test_the_diagnosis_counts_rows_per_class(capsys) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_cd200_why as why

    row = {"table": "credit-default", "arch": "xgboost", "others": [57, 143],
           "sources": [27, 127], "features": {"tab_major_flip_1": 0.68}}
    why.starved([row, {**row, "others": [50, 150], "sources": [20, 140]}])
    out = capsys.readouterr().out
    # class 0 holds 143 and 150 rows (the other class's count), class 1 57 and 50
    assert "class 0 rows 146.500" in out and "class 1 rows 53.500" in out
    assert "to flip 23.500" in out and "(min 20)" in out
    assert "xgboost: tab_major_flip_1 0.680" in out
