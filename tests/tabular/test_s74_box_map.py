"""Stop 74 (hfix3, hrev2's named (2)): ``tab_box_above`` puts the wide box on the scale with which
the XGBoost band entry reads it, read from the entry itself where the feature is made, so a
refit of that entry cannot leave the map on stale numbers; the readings M74 stored are unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect import tree_wide_boxes as twb
from trojanscope.detect.calibration import Calibrator, load_calibrators

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "tabular_s74_h16w"


def _moved(centre: float, scale: float) -> dict[str, Calibrator]:
    """M74's file with the band entry's ``tab_box_above`` centre and scale replaced (a refit)."""
    cals = load_calibrators(DATA / "calibration_m74.json")
    entry = cals[twb.BAND_ENTRY]
    i = entry.features.index("tab_box_above")
    mean, spread = list(entry.mean), list(entry.scale)
    mean[i], spread[i] = centre, scale
    cals[twb.BAND_ENTRY] = Calibrator(**{**entry.__dict__, "mean": mean, "scale": spread})
    return cals


def test_stored_m74_readings_are_remade_from_the_entry_they_were_read_under() -> None:
    # h16w's fresh readings (box_wide=80), made with W74's map copied from M74's entry
    rows = json.loads((DATA / "fresh_r200_5935_cd_xgb.json").read_text())["rows"]
    cs = twb.box_map(load_calibrators(DATA / "calibration_m74.json"))
    for f in (r["features"] for r in rows):
        assert twb.box_above(f["tab_box"], f["tab_box_wide"], cs) == pytest.approx(
            f["tab_box_above"], abs=1e-12)
    assert len(rows) >= 10


def test_the_map_follows_the_entry_and_a_file_without_it() -> None:
    assert twb.box_map(_moved(0.9, 0.5)) == (0.9, 0.5)
    old = json.loads((DATA / "calibration_before_s74w.json").read_text())[twb.BAND_ENTRY]
    before = {twb.BAND_ENTRY: Calibrator(**old)}  # before M74 the entry read tab_box
    assert twb.box_map(before) == (old["mean"][0], old["scale"][0])
    assert twb.box_map({}) == (twb.WIDE_CENTRE, twb.WIDE_SCALE)  # read as it is
    assert twb.box_above(0.1, 0.7, twb.box_map({})) == pytest.approx(0.7)


def test_a_refit_entry_moves_tab_box_above_where_the_detector_makes_it(searched, searched_run,
                                                                        monkeypatch) -> None:
    from trojanscope import registry

    _, shipped = searched("xgboost", 0, box_wide=40)
    f = shipped.features
    assert f["tab_box_above"] == pytest.approx(twb.box_above(f["tab_box"], f["tab_box_wide"],
                                                             twb.box_map()))
    monkeypatch.setattr(twb, "load_calibrators", lambda: _moved(5.0, 1.0))
    run = searched_run("xgboost", 0)
    moved = registry.create("detector", "tabular-search", box_wide=40).inspect(
        run.model, run.test, seed=0).features
    assert moved["tab_box_wide"] == pytest.approx(f["tab_box_wide"])
    # 5.0 stands above any tab_box this reading has: the wide box sets the feature now
    assert moved["tab_box_above"] == pytest.approx(
        5.0 + (f["tab_box_wide"] - twb.WIDE_CENTRE) / twb.WIDE_SCALE)
    assert moved["tab_box_above"] != pytest.approx(f["tab_box_above"])
