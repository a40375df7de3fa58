"""Issue 9, stop 47: the frame raise term started per uncovered activation from clean
development models (``fitted_on.gate_start``, :func:`calibration.gate_shift`) instead of gated off,
and the candidate file of ``benchmarks/frame_start_loso.py``."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest
import torch

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, gate_shift, gated_off, load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49 (the candidates' base)
F9 = DATA / "foreign_s47" / "cal_F9.json"
GK8 = DATA / "foreign_s46" / "cal_GK8.json"
FRAME = "auto:raise:frame"


def _verdict(name: str) -> ModelVerdict:
    """Seed 66's recorded run of model ``name`` (stop 46), as calibration reads it."""
    with gzip.open(DATA / "foreign_s46" / "detect66_runs.jsonl.gz", "rt") as f:
        report = next(r for r in map(json.loads, f) if r["name"] == name)["report"]
    return ModelVerdict(report["method"], report["statistic"], list(report["ranking"]), [],
                        features=dict(report["features"]), traits=list(report["traits"]),
                        data_free=bool(report["data_free"]))


def test_gate_shift_moves_the_start_to_the_fitted_one() -> None:
    term = load_calibrators(F9)[FRAME]
    # LeakyReLU: start 0.4933 instead of 0.32, slope 60
    assert gate_shift(term, ["activation:leaky_relu", "layer:conv"]) == pytest.approx(
        -60.0 * (0.4933 - 0.32))
    assert gate_shift(term, ["activation:relu", "layer:conv"]) == 0.0  # covered: as shipped
    assert gate_shift(term, ["activation:elu"]) == 0.0  # fitted start = the term's own
    assert gated_off(term, ["activation:leaky_relu"]) == []  # started, not off
    # an uncovered activation with no fitted start stays off
    assert gated_off(term, ["activation:softplus"]) == ["activation:softplus"]


def test_the_fitted_start_catches_seed66s_frame_leaky_cnn_g_missed() -> None:
    # backdoored leaky_strided_cnn-01 (frame gap 0.533): G's gate left it unraised (0.046);
    # F's start 0.4933 lifts it by 60 * 0.04 logits, with the frame's class as the suspect
    v_g, v_f = _verdict("leaky_strided_cnn-01"), _verdict("leaky_strided_cnn-01")
    calibrate(v_g, load_calibrators(GK8))
    calibrate(v_f, load_calibrators(F9))
    assert v_g.probability is not None and v_f.probability is not None
    assert v_f.features["raise_logit_frame"] == pytest.approx(
        60.0 * (v_f.features["frame_share_gap"] - 0.4933), abs=1e-6)
    assert v_f.probability > v_g.probability + 0.2
    assert v_f.target_classes[0] == 8


def test_a_clean_leaky_cnn_below_its_start_is_not_raised() -> None:
    v = _verdict("leaky_strided_cnn-02")  # clean; frame gap below LeakyReLU's start
    assert v.features["frame_share_gap"] < 0.4933
    calibrate(v, load_calibrators(F9))
    assert "raise_logit_frame" not in v.features


def test_the_candidate_file_differs_from_the_shipped_one_only_as_meant() -> None:
    shipped, cand = json.loads(STOP49.read_text()), json.loads(F9.read_text())
    assert set(cand) == set(shipped)
    assert {k for k in shipped if shipped[k] != cand[k]} == {"auto:out-of-coverage", FRAME}
    frame = cand[FRAME]
    assert {k: v for k, v in frame.items() if k != "fitted_on"} == {
        k: v for k, v in shipped[FRAME].items() if k != "fitted_on"}
    assert frame["fitted_on"]["gate"] == ["activation:"]
    wider = cand["auto:out-of-coverage"]["fitted_on"]
    assert wider["zoo"] == [f"foreign seed {s}" for s in (50, 51, 60, 61, 62, 63, 64, 65, 66)]


@pytest.mark.parametrize("starts", [[0.4], {"activation:leaky_relu": "x"},
                                    {"activation:nope": 0.4}])
def test_a_malformed_gate_start_is_refused(tmp_path: Path, starts) -> None:
    cals = json.loads(F9.read_text())
    cals[FRAME]["fitted_on"]["gate_start"] = starts
    (tmp_path / "c.json").write_text(json.dumps(cals))
    with pytest.raises(ValueError, match="gate_start"):
        load_calibrators(tmp_path / "c.json")


def test_a_gate_start_without_the_terms_start_is_refused(tmp_path: Path) -> None:
    cals = json.loads(F9.read_text())
    fitted = copy.deepcopy(cals[FRAME]["fitted_on"])
    del fitted["slope"]
    cals[FRAME]["fitted_on"] = fitted
    (tmp_path / "c.json").write_text(json.dumps(cals))
    with pytest.raises(ValueError, match="slope"):
        load_calibrators(tmp_path / "c.json")


def test_fit_starts_uses_clean_runs_and_keeps_the_gate_below_min_covered(load_benchmark) -> None:
    mod = load_benchmark("frame_start_loso")
    term = load_calibrators(GK8)[FRAME]

    def row(gap: float, act: str, bd: bool = False, dense: float = 0.0) -> dict:
        return {"backdoored": bd, "report": {"traits": [f"activation:{act}"], "features": {
            "frame_share_gap": gap, "first_layer_dense": dense}}}

    rows = [row(0.3 + i / 100, "leaky_relu") for i in range(5)] + [row(0.9, "leaky_relu", True)]
    rows += [row(0.1, "elu") for _ in range(5)]  # below the term's start: the start stays 0.32
    rows += [row(0.5, "sigmoid") for _ in range(4)] + [row(0.6, "silu", dense=1.0)] * 5
    rows += [row(0.9, "relu")] * 6  # covered: no start
    starts = mod.fit_starts(term, rows)
    assert starts["activation:leaky_relu"]["start"] == pytest.approx(0.34 + 0.05)
    assert starts["activation:leaky_relu"]["clean"] == 5  # the backdoored run is not read
    assert starts["activation:elu"]["start"] == pytest.approx(0.32)
    assert starts["activation:sigmoid"]["start"] is None  # 4 clean < MIN_COVERED
    assert starts["activation:silu"]["start"] == pytest.approx(0.6 - 0.11 + 0.05)
    assert "activation:relu" not in starts
