"""Stop 74 (hfix3, hrev2's named (3)): a stored reading without ``tab_box_above`` is scored on
``tab_box`` (``read_as``), so the range guard checks it there too, not skipping the feature."""

from __future__ import annotations

import pytest

from trojanscope.detect.calibration import Calibrator
from trojanscope.detect.calibration_range import guarded_probability, outside, range_guard

KEY = "tabular-search:tree:xgboost:rows200"


def _file() -> dict[str, Calibrator]:
    main = Calibrator("tabular-search", ["tab_box_above", "tab_mass_group"], [2.0, 1.0], 0.0,
                      {"range": {"tab_box_above": [0.0, 1.0], "tab_mass_group": [0.0, 5.0]}})
    fallback = Calibrator("tabular-search", ["tab_box", "tab_mass_group"], [0.5, 1.0], -1.0)
    return {KEY: main, f"{KEY}:out-of-range": fallback}


def test_a_reading_without_tab_box_above_is_range_checked_on_tab_box() -> None:
    cals = _file()
    old = {"tab_box": 3.0, "tab_mass_group": 2.0}  # stored before the wide box: no tab_box_above
    assert outside(cals[KEY], old) == [("tab_box_above", 3.0, 0.0, 1.0)]
    key, cal, notes = range_guard(KEY, cals[KEY], cals, old)
    assert key == f"{KEY}:out-of-range" and cal is cals[key]
    assert "tab_box_above 3" in notes[0]
    assert guarded_probability(KEY, cals, old) == pytest.approx(cals[key].probability(old))
    # the same reading with tab_box_above recorded is read alike; inside the range, as before
    assert range_guard(KEY, cals[KEY], cals, {**old, "tab_box_above": 3.0})[0] == key
    inside = {"tab_box": 0.4, "tab_mass_group": 2.0}
    assert range_guard(KEY, cals[KEY], cals, inside) == (KEY, cals[KEY], [])
