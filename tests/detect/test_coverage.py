"""Architecture traits of native, TorchScript and ONNX models, and the out-of-coverage note."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.cli.main import run
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.coverage import architecture_traits, count_traits, coverage_notes
from trojanscope.detect.mmbd import MMBD
from trojanscope.io.models import export_onnx, load_model
from trojanscope.models import create_model

TANH = {"activation": "tanh", "pool": "avg"}


def test_traits_of_native_torchscript_and_onnx(tmp_path: Path) -> None:
    model = create_model("lenet5", (1, 28, 28), 10, **TANH).eval()
    expected = {"activation:tanh", "pool:avg", "layer:conv"}
    assert architecture_traits(model) == expected
    torch.jit.trace(model, torch.rand(1, 1, 28, 28)).save(str(tmp_path / "m.pt"))
    assert architecture_traits(load_model(tmp_path / "m.pt").module) == expected
    pytest.importorskip("onnx")
    export_onnx(model, torch.rand(1, 1, 28, 28), tmp_path / "m.onnx")
    assert architecture_traits(load_model(tmp_path / "m.onnx").module) == expected
    bn = create_model("cnn", (1, 28, 28), 10, norm="batch", activation="gelu")
    assert {"norm:batch", "activation:gelu", "pool:max"} <= architecture_traits(bn)


def test_notes_name_what_calibration_lacked() -> None:
    covered = count_traits([{"activation:relu", "pool:max"}] * 6 + [{"activation:tanh"}] * 2)
    assert covered == {"activation:relu": 6, "activation:tanh": 2, "pool:max": 6}
    assert coverage_notes({"activation:relu", "pool:max"}, covered) == []
    assert coverage_notes({"activation:tanh", "norm:batch"}, covered) == [
        "tanh activations: calibration has 2 such models",
        "BatchNorm: calibration has 0 such models",
    ]


def test_calibrated_verdict_carries_the_notes() -> None:
    model = create_model("lenet5", (1, 28, 28), 10, **TANH).eval()
    verdict = MMBD(n_starts=2, steps=3).inspect(model, None, input_shape=(1, 28, 28), seed=0)
    cal = Calibrator("mmbd", ["mmbd_neglog10_p"], [1.0], 0.0,
                     {"coverage": {"activation:relu": 50, "pool:max": 40, "layer:conv": 40}})
    calibrate(verdict, {"mmbd": cal})
    assert verdict.coverage_notes == ["tanh activations: calibration has 0 such models",
                                      "average pooling: calibration has 0 such models"]
    assert verdict.as_dict()["coverage_notes"] == verdict.coverage_notes
    calibrate(verdict, {"mmbd": Calibrator("mmbd", ["mmbd_neglog10_p"], [1.0], 0.0)})


def test_shipped_calibrators_record_their_coverage() -> None:
    from trojanscope import registry

    for key, cal in load_calibrators().items():
        if key.endswith(":named-check"):  # lower-only, reads the model's leads (stop 66)
            assert cal.fitted_on["guard"] >= 0 and cal.fitted_on["blend_gap"] > 0
            continue
        if key.endswith((":excess", ":centre", ":blend-sink")):  # lower-only terms (stops 55,
            assert cal.fitted_on["reference"]  # 59, 75): references name kinds and their clean
            # models
            continue
        if key.endswith((":gap", ":flip")):  # the trees' raise-only gap term (stop 60) and
            # LightGBM's flip term (stop 75, h16z): one feature, its start and cap
            assert cal.fitted_on["start"] > 0 and cal.fitted_on["most"] > 0
            continue
        if key.endswith((":sig", ":sig-share")):  # the SIG probe's raise terms (stop 79,
            # h9sig): a bar per trait set read from clean heads of each kind
            assert cal.fitted_on["kinds"] and cal.fitted_on["min_clean"] > 0
            continue
        if key.endswith(":group-heat"):  # LightGBM's lower-only group-heat term (stop 81,
            # h16): one raw feature, its slope and the file share it reads from
            assert cal.features == ["tab_group_heat"] and cal.coef[0] > 0
            assert 0 < cal.fitted_on["min_share"] <= 0.5
            continue
        if key.endswith(":mask-gate"):  # the data-free mask gate (stop 76, h9m): lower-only,
            # reads no feature; its constants per input kind
            assert cal.fitted_on["shift"] > 0 and set(cal.fitted_on["line"]) == {"cnn", "dense"}
            continue
        method = cal.method.split(":")[0]  # auto:data-free is auto's
        if getattr(registry.get("detector", method), "modality", "image") != "image":
            assert "coverage" in cal.fitted_on  # tables: MLP activations only, trees none
            continue
        assert cal.fitted_on["coverage"].get("activation:relu", 0) >= 5


def test_detect_says_when_a_model_is_outside_coverage(tmp_path: Path, capsys) -> None:
    model = create_model("lenet5", (1, 28, 28), 10, **TANH).eval()
    torch.jit.trace(model, torch.rand(1, 1, 28, 28)).save(str(tmp_path / "tanh.pt"))
    np.savez(tmp_path / "clean.npz", x=np.random.default_rng(0).random((50, 1, 28, 28)),
             y=np.arange(50) % 10)
    args = ["detect", str(tmp_path / "tanh.pt"), "--data", str(tmp_path / "clean.npz"),
            "-p", "n_starts=2", "--method", "mmbd"]
    assert run([*args, "--format", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    notes = load_calibrators()["mmbd"].fitted_on["coverage"]
    assert any(n.startswith("tanh activations: calibration has") for n in report["coverage_notes"])
    assert "activation:tanh" in report["traits"] and isinstance(notes, dict)
    assert run(args) in (0, 1)
    assert "outside the calibration's coverage" in capsys.readouterr().out


def test_out_of_coverage_models_get_the_wider_calibrator() -> None:
    model = create_model("lenet5", (1, 28, 28), 10, **TANH).eval()
    verdict = MMBD(n_starts=2, steps=6).inspect(model, None, input_shape=(1, 28, 28), seed=0)
    assert "mmbd_early_anomaly" in verdict.features
    narrow = Calibrator("mmbd", ["mmbd_neglog10_p"], [0.0], -5.0,
                        {"coverage": {"activation:relu": 50, "pool:max": 40, "layer:conv": 40}})
    wider = Calibrator("mmbd:out-of-coverage", ["mmbd_early_anomaly"], [0.0], 5.0,
                       {"n_models": 7, "coverage": {"activation:tanh": 9}})
    calibrate(verdict, {"mmbd": narrow})
    assert verdict.probability == pytest.approx(1 / (1 + np.exp(5)))
    calibrate(verdict, {"mmbd": narrow, "mmbd:out-of-coverage": wider})
    assert verdict.probability == pytest.approx(1 / (1 + np.exp(-5)))
    assert verdict.coverage_notes[0] == (
        "tanh activations: calibration has 0 such models in the default calibration")
    assert "wider calibration (7 models" in verdict.coverage_notes[-1]
    # A model inside the default coverage keeps the default calibrator.
    relu = create_model("cnn", (1, 28, 28), 10, width=4).eval()
    covered = MMBD(n_starts=2, steps=6).inspect(relu, None, input_shape=(1, 28, 28), seed=0)
    calibrate(covered, {"mmbd": narrow, "mmbd:out-of-coverage": wider})
    assert covered.probability == pytest.approx(1 / (1 + np.exp(5)))
    assert covered.coverage_notes == []


def test_shipped_wider_calibrators_exist_for_the_default_methods() -> None:
    cals = load_calibrators()
    for key in ("auto:out-of-coverage", "mmbd:out-of-coverage"):
        assert cals[key].fitted_on["coverage"].get("activation:tanh", 0) >= 5


def test_a_covered_model_keeps_the_default_calibrator_whatever_its_logit_scale() -> None:
    # Issue 9, rounds 5-7: routing a ReLU/max-pool model by its clean-logit scale (another
    # training recipe) was measured three times and not shipped; the shipped `auto`
    # calibrators route by architecture only, so a small scale changes neither the calibrator
    # nor the notes.
    relu = create_model("cnn", (1, 28, 28), 10, width=4).eval()
    verdict = MMBD(n_starts=2, steps=6).inspect(relu, None, input_shape=(1, 28, 28), seed=0)
    verdict.method = "auto"
    cals = load_calibrators()
    assert "recipe_range" not in cals["auto"].fitted_on
    expected = cals["auto"].probability(verdict.features)
    for scale in (1.2, 5.0, 9.0):
        verdict.features["logit_std"] = scale
        calibrate(verdict, cals)
        assert verdict.probability == pytest.approx(expected)
        assert verdict.coverage_notes == []
