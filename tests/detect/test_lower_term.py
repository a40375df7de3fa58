"""Issue 9, stop 39: the lower-only calibration term (``"<calibrator>:lower:dense"``) that takes
back the ``auto`` calibrator's MM-BD p-value term where it would raise a dense model, and
``foreign_zoo_detect.py --recalibrate``, which scores another calibration file on stored runs."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import (
    _clip,
    _transform,
    calibrate,
    load_calibrators,
    lower_term,
)

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE = ROOT / "benchmarks" / "data" / "calibration-stop39-dense-lower-candidate.json"
BENCH = ROOT / "benchmarks"
# seed 27's clean relu_mlp-04 (the detect JSON, stop 38's fix): p 0.906, nothing raised
CLEAN_MLP = {
    "mmbd_neglog10_p": 0.5146580300863562,
    "mmbd_anomaly": 3.3482341650662306,
    "mmbd_ratio": 1.517340512084559,
    "first_layer_dense": 1.0,
    "empty_share_gap": 0.045833,
    "empty_top_class": 6.0,
    "pixel_share_gap": 0.04,
    "pixel_top_class": 5.0,
    "frame_share_gap": 0.131667,
    "frame_top_class": 9.0,
}


def _verdict(features: dict[str, float], traits: list[str] | None = None) -> ModelVerdict:
    return ModelVerdict(
        method="auto",
        statistic=features["mmbd_neglog10_p"],
        target_classes=[0, 5, 2, 6, 8, 3, 4, 7, 9, 1],
        per_class=[],
        features=dict(features),
        traits=traits if traits is not None else ["activation:relu"],
    )


def _pvalue_term(features: dict[str, float]) -> float:
    cal = load_calibrators()["auto"]
    i = cal.features.index("mmbd_neglog10_p")
    x = _transform(_clip(features["mmbd_neglog10_p"]), cal.transform)
    return cal.coef[i] * (x - cal.mean[i]) / cal.scale[i]


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_shipped_file_lowers_a_clean_dense_mlp_as_the_candidate_did() -> None:
    """Shipped by stop 39's rule on seed 28: seed 27's clean relu_mlp-04 (0.906 before) now
    reads what the candidate file gave, and the rest of the file is the candidate's."""
    shipped = load_calibrators()
    assert shipped["auto:lower:dense"] == load_calibrators(CANDIDATE)["auto:lower:dense"]
    v = calibrate(_verdict(CLEAN_MLP), shipped)
    assert v.probability < 0.6 and v.features["lower_logit"] < -1.9
    assert json.loads(CANDIDATE.read_text()) == json.loads(
        (ROOT / "src" / "trojanscope" / "detect" / "calibration.json").read_text()
    )


def test_the_term_takes_back_the_positive_pvalue_term_on_a_dense_model() -> None:
    cand = load_calibrators(CANDIDATE)
    shipped = 0.9057035544171412  # before stop 39 (the detect JSON)
    v = calibrate(_verdict(CLEAN_MLP), cand)
    term = _pvalue_term(CLEAN_MLP)
    assert term > 1.9  # MM-BD found nothing, yet its p-value term added ~2 logits
    assert v.features["lower_logit"] == pytest.approx(-term, abs=1e-9)
    assert _logit(v.probability) == pytest.approx(_logit(shipped) - term, abs=1e-9)
    assert v.probability < 0.6 and any("lowered by" in n for n in v.coverage_notes)
    again = calibrate(v, cand)  # calibrating twice lowers once
    assert again.probability == pytest.approx(v.probability, abs=1e-12)


def test_the_term_never_raises_and_leaves_other_models_alone() -> None:
    cand = load_calibrators(CANDIDATE)
    before = {k: v for k, v in cand.items() if k != "auto:lower:dense"}
    significant = {**CLEAN_MLP, "mmbd_neglog10_p": 8.0}  # a p-value term <= 0: nothing
    conv = {**CLEAN_MLP, "first_layer_dense": 0.0}  # a convolution
    unknown = {k: v for k, v in CLEAN_MLP.items() if k != "first_layer_dense"}  # not an image
    for feats, traits in (
        (significant, None),
        (conv, ["activation:relu", "layer:conv", "pool:max"]),
        (unknown, None),
    ):
        a = calibrate(_verdict(feats, traits), before).probability
        b = calibrate(_verdict(feats, traits), cand)
        assert b.probability == a and "lower_logit" not in b.features
    # a model the wider calibrator scores (tanh: outside the default's coverage) is not lowered
    v = _verdict(CLEAN_MLP, ["activation:tanh"])
    assert lower_term(v, cand, "auto:out-of-coverage") == 0.0


def test_a_raise_still_raises_from_the_lowered_base() -> None:
    """A backdoored MLP the pixel probe raises keeps the raise; its unraised base is the
    lowered one."""
    cand = load_calibrators(CANDIDATE)
    feats = {**CLEAN_MLP, "pixel_share_gap": 0.36, "pixel_top_class": 2.0}
    v = calibrate(_verdict(feats), cand)
    assert v.features["lower_logit"] < 0 and v.features["raise_logit"] > 10
    assert v.probability > 0.999 and v.target_classes[0] == 2


def test_recalibrate_scores_another_file_on_the_stored_run(
    tmp_path, monkeypatch, load_benchmark
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    report = {
        "method": "auto",
        "statistic": CLEAN_MLP["mmbd_neglog10_p"],
        "ranking": [0, 5, 2, 6, 8, 3, 4, 7, 9, 1],
        "features": {**CLEAN_MLP, "calibrated": 1.0},
        "data_free": False,
        "traits": ["activation:relu"],
    }
    rows = tmp_path / "d.jsonl"
    row = {"name": "relu_mlp-04", "backdoored": False, "probability": 0.906, "options": []}
    rows.write_text(json.dumps({**row, "report": report}) + "\n")
    out = tmp_path / "r.jsonl"
    fzd.recalibrate(rows, out, CANDIDATE)
    got = json.loads(out.read_text())
    want = calibrate(_verdict(CLEAN_MLP), load_calibrators(CANDIDATE))
    assert got["probability"] == pytest.approx(want.probability, abs=1e-12)
    assert got["features"]["lower_logit"] < 0 and got["suspected_target"] == 0
    assert got["verdict"] == ("backdoored" if want.probability >= 0.5 else "clean")
    rows.write_text(json.dumps(row) + "\n")  # recorded before stop 39: no report
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "foreign_zoo_detect.py"),
            str(tmp_path),
            "--out",
            str(rows),
            "--recalibrate",
            str(CANDIDATE),
            "--recal-out",
            str(tmp_path / "x.jsonl"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": f"{ROOT / 'src'}:{BENCH}", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "has no report" in proc.stderr and not (tmp_path / "x.jsonl").exists()
