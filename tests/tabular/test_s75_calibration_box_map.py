"""Stop 75 (hcmd; stop 74's hfix3 "Falls short"): ``detect --calibration FILE`` scored
``tab_box_above`` on FILE's band entry while the detector had made it on the shipped entry's
map, so a user's refit of the entry read the wide box on the shipped scale. Calibration now
makes the feature again on the map of the file that scores it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect import tree_wide_boxes as twb
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "tabular_s74_h16w"


def _file(shift: float = 0.0) -> dict[str, Calibrator]:
    """M74's file, its band entry's ``tab_box_above`` centre moved by ``shift`` scales."""
    cals = load_calibrators(DATA / "calibration_m74.json")
    entry = cals[twb.BAND_ENTRY]
    i = entry.features.index("tab_box_above")
    mean = list(entry.mean)
    mean[i] += shift * entry.scale[i]
    cals[twb.BAND_ENTRY] = Calibrator(**{**entry.__dict__, "mean": mean})
    return cals


def _verdict(row: dict) -> ModelVerdict:
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[0, 1],
                        per_class=[], features=dict(row["features"]), family=row["family"])


def _rows() -> list[dict]:
    rows = json.loads((DATA / "fresh_r200_5935_cd_xgb.json").read_text())["rows"]
    return [r for r in rows if r["family"] == "tree:xgboost:rows200"]


def test_a_given_file_s_entry_maps_the_wide_box() -> None:
    moved = _file(1.0)
    centre, scale = twb.box_map(moved)
    for row in _rows()[:6]:
        f = calibrate(_verdict(row), moved).features
        assert f["tab_box_above"] == pytest.approx(
            twb.box_above(f["tab_box"], f["tab_box_wide"], (centre, scale)), abs=1e-12)


def test_a_refit_centre_leaves_a_wide_box_reading_where_it_stood() -> None:
    # where the wide box sets the feature, its standardised value is the wide box's own, so
    # a refit that moves only the entry's centre leaves the probability as it was
    wide = [r for r in _rows() if r["features"]["tab_box_above"] > r["features"]["tab_box"] + 0.01]
    assert len(wide) >= 3
    for row in wide[:4]:
        before = calibrate(_verdict(row), _file(0.0)).probability
        after = calibrate(_verdict(row), _file(1.0)).probability
        assert after == pytest.approx(before, abs=1e-9)


def test_the_shipped_map_and_a_file_without_the_entry_leave_the_reading_as_made() -> None:
    for row in _rows()[:6]:
        made = row["features"]["tab_box_above"]
        m74 = calibrate(_verdict(row), _file(0.0)).features["tab_box_above"]
        assert m74 == pytest.approx(made, abs=1e-12)  # h16w's readings were made on M74's map
        cals = {k: c for k, c in _file(0.0).items() if k != twb.BAND_ENTRY}
        assert calibrate(_verdict(row), cals).features["tab_box_above"] == made
