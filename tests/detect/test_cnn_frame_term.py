"""Issue 9, stop 40: the frame probe's raise term on models with a convolution (candidate file
``calibration-stop40-cnn-frame-candidate.json``) and ``benchmarks/add_probe_draws.py``, which
adds a probe's draw to stored ``detect`` rows recorded before the probe was read."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
C1 = DATA / "calibration-stop40-cnn-frame-candidate.json"
C2 = DATA / "calibration-stop40-cnn-frame-shift-candidate.json"
STOP39 = DATA / "foreign_s40" / "calibration-before-stop40.json"  # the file shipped before


def _bn_cnn_03() -> dict:
    """Seed 40's frame-triggered BatchNorm CNN (target 5) as ``detect`` stored it, with the
    frame gap measured on the rebuilt model (stop 40: 0.382, class 5)."""
    with gzip.open(DATA / "issue9_rows" / "stop39b_detect40.jsonl.gz", "rt") as f:
        row = next(r for r in map(json.loads, f) if r["name"] == "bn_cnn-03")
    return {**row["report"], "features": {**row["report"]["features"],
                                          "frame_share_gap": 0.382, "frame_top_class": 5.0}}


def _verdict(report: dict) -> ModelVerdict:
    return ModelVerdict(report["method"], report["statistic"], list(report["ranking"]), [],
                        features=dict(report["features"]), traits=list(report["traits"]))


def test_the_stop39_file_missed_the_frame_cnn() -> None:
    """Before stop 40 (the shipped file of stop 39b, ``benchmarks/data`` copy): p 0.363."""
    report = _bn_cnn_03()
    old = calibrate(_verdict(report), load_calibrators(STOP39))
    assert old.probability == pytest.approx(0.3626, abs=1e-3)
    assert "raise_logit" not in old.features


@pytest.mark.parametrize("path", [None, C1, C2])
def test_the_shipped_file_and_the_candidates_raise_the_missed_frame_cnn(path) -> None:
    """Fails on the stop-39 shipped file (above): the shipped file is C1 since stop 40."""
    report = _bn_cnn_03()
    cand = calibrate(_verdict(report), load_calibrators(path))
    assert cand.probability > 0.85 and cand.target_classes[0] == 5
    assert cand.features["raise_logit_frame"] == pytest.approx(60 * (0.382 - 0.32), abs=1e-6)


def test_the_candidate_keeps_the_dense_start_and_moves_the_cnn_start_only() -> None:
    term = load_calibrators()["auto:raise:frame"]  # shipped: C1's term
    assert term.coef == load_calibrators(C1)["auto:raise:frame"].coef
    shipped = load_calibrators(STOP39)["auto:raise:frame"]
    for gap in (0.40, 0.43, 0.6, 0.9):
        dense = {"frame_share_gap": gap, "first_layer_dense": 1.0}
        assert term.logit(dense) == pytest.approx(shipped.logit(dense), abs=1e-9)
    assert term.logit({"frame_share_gap": 0.32, "first_layer_dense": 0.0}) == pytest.approx(
        0.0, abs=1e-9)
    assert term.logit({"frame_share_gap": 0.268, "first_layer_dense": 0.0}) < 0  # clean dev max
    assert shipped.logit({"frame_share_gap": 0.9, "first_layer_dense": 0.0}) < 0


def test_add_probe_draws_fills_only_missing_readings_and_counts_rows_without_a_draw() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from add_probe_draws import add_draws

    rows = [
        {"name": "a", "report": {"features": {"x": 1.0}}},
        {"name": "b", "report": {"features": {"frame_share_gap": 0.1, "frame_top_class": 2.0}}},
        {"name": "c", "report": {"features": {}}},
    ]
    draws = [
        {"name": "a", "probe": "frame", "seed": 0, "gap": 0.5, "top_class": 3},
        {"name": "a", "probe": "frame", "seed": 1, "gap": 0.9, "top_class": 4},
        {"name": "b", "probe": "frame", "seed": 0, "gap": 0.7, "top_class": 1},
    ]
    out, added, missing = add_draws(rows, draws, "frame")
    assert (added, missing) == (1, 1)
    assert out[0]["report"]["features"] == {"x": 1.0, "frame_share_gap": 0.5,
                                            "frame_top_class": 3.0}
    assert out[1] == rows[1] and out[2] == rows[2]
    assert rows[0]["report"]["features"] == {"x": 1.0}  # the input is not changed
