"""Issue 16 stop 74 (h16w): ``tab_box_above`` (candidate M74) reads the wide box only where it
stands above the top ten's, and M74's file changes XGBoost's band entry alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.tree_wide_boxes import (
    WIDE_CENTRE,
    WIDE_SCALE,
    box_above,
    box_map,
)
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "tabular_s74_h16w"
KEY = "tabular-search:tree:xgboost:rows200"


def test_box_above_is_the_larger_of_the_two_standardised_values() -> None:
    # a wide box that stands no higher than the ten's (standardised) leaves tab_box as it is
    assert box_above(0.9, WIDE_CENTRE) == pytest.approx(0.9)
    # one that stands higher reads as tab_box would at the same standardised height
    z = 2.0
    centre, scale = box_map()
    got = box_above(centre, WIDE_CENTRE + z * WIDE_SCALE)
    assert (got - centre) / scale == pytest.approx(z)
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


def test_m74_reads_tab_box_where_the_wide_box_was_not_read() -> None:
    # a reading without tab_box_above (box_wide=0, or stored before stop 74) scores as one whose
    # wide box stands no higher than the ten's; one where it stands higher scores higher
    cals = load_calibrators(DATA / "calibration_m74.json")
    plain = {"tab_box": 0.4, "tab_mass_group": 2.4, "tab_major_recur": 3.1}
    p = cals[KEY].probability(plain)
    assert cals[KEY].probability({**plain, "tab_box_above": 0.4}) == pytest.approx(p)
    assert cals[KEY].probability({**plain, "tab_box_above": 0.9}) > p
    with pytest.raises(UserInputError, match="tab_mass_group"):
        cals[KEY].probability({"tab_box": 0.4, "tab_major_recur": 3.1})


def test_an_xgboost_tree_in_the_band_reads_the_wide_box_by_default(searched_run,
                                                                   monkeypatch) -> None:
    # since the rule was met (stop 74, h16w) box_wide defaults to 80 for XGBoost in the band;
    # box_wide=0 records tab_box_above as tab_box, which the shipped band entry then reads
    from trojanscope import registry
    from trojanscope.detect import tabular_file_size

    run = searched_run("xgboost", 1)
    rows = len(run.test)
    monkeypatch.setattr(tabular_file_size, "SIZE_BANDS", {"rows200": (rows, rows)})

    def verdict(**kw):
        return registry.create("detector", "tabular-search", **kw).inspect(
            run.model, run.test, seed=0)

    banded, off = verdict(), verdict(box_wide=0)
    assert banded.family == off.family == "tree:xgboost:rows200"
    f = banded.features
    assert f["tab_box_above"] == pytest.approx(box_above(f["tab_box"], f["tab_box_wide"]))
    assert "tab_box_wide" not in off.features
    assert off.features["tab_box_above"] == off.features["tab_box"]
    shipped = load_calibrators()
    calibrate(banded, shipped)
    calibrate(off, shipped)
    assert banded.probability >= off.probability - 1e-9
