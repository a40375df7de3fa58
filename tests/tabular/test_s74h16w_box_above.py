"""Issue 16 stop 74 (h16w): ``tab_box_above`` (candidate M74) reads the wide box only where it
stands above the top ten's, and M74's file changes XGBoost's band entry alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from band_candidate import check_needs

from trojanscope.detect.tree_wide_boxes import (
    BOX_CENTRE,
    BOX_SCALE,
    WIDE_CENTRE,
    WIDE_SCALE,
    box_above,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "tabular_s74_h16w"
KEY = "tabular-search:tree:xgboost:rows200"


def test_box_above_is_the_larger_of_the_two_standardised_values() -> None:
    # a wide box that stands no higher than the ten's (standardised) leaves tab_box as it is
    assert box_above(0.9, WIDE_CENTRE) == pytest.approx(0.9)
    # one that stands higher reads as tab_box would at the same standardised height
    z = 2.0
    got = box_above(BOX_CENTRE, WIDE_CENTRE + z * WIDE_SCALE)
    assert (got - BOX_CENTRE) / BOX_SCALE == pytest.approx(z)
    assert box_above(0.1, 0.2) >= 0.1


def test_box_wide_records_box_above_from_its_two_boxes(searched) -> None:
    _, wide = searched("xgboost", 0, box_wide=40)
    f = wide.features
    assert f["tab_box_above"] == pytest.approx(box_above(f["tab_box"], f["tab_box_wide"]))
    assert f["tab_box_above"] >= f["tab_box"]


def test_m74_changes_the_xgboost_band_entry_alone_and_only_its_box_term() -> None:
    mine = json.loads((DATA / "calibration_m74.json").read_text())
    before = json.loads((DATA / "calibration_before_s74w.json").read_text())
    assert sorted(k for k in set(mine) | set(before) if mine.get(k) != before.get(k)) == [KEY]
    a, b = mine[KEY], before[KEY]
    assert a["features"] == [("tab_box_above" if f == "tab_box" else f) for f in b["features"]]
    for k in ("coef", "mean", "scale", "intercept"):
        assert a[k] == b[k]


def test_m74_needs_box_above() -> None:
    check_needs("benchmarks/data/tabular_s74_h16w/calibration_m74.json", "tree:xgboost:rows200",
                "tab_box_above", 0.6)
