"""Architecture traits of native, TorchScript and ONNX models, and the out-of-coverage note."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.cli.main import run
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.coverage import (
    architecture_traits,
    count_traits,
    coverage_notes,
    recipe_notes,
)
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

    for cal in load_calibrators().values():
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


def test_recipe_notes_flag_only_a_clean_logit_scale_below_the_range() -> None:
    recipe = {"logit_std": [4.3, 7.2]}
    assert recipe_notes({"logit_std": 5.0}, recipe) == []
    assert recipe_notes({"logit_std": 4.3}, recipe) == []
    assert recipe_notes({"logit_std": 3.83}, recipe) == [
        "clean-logit scale 3.83: below the default calibration's models' 4.30-7.20 "
        "(another training recipe)"]
    # One-sided (issue 9, sixth round): a confident model above the range is not re-routed.
    assert recipe_notes({"logit_std": 7.58}, recipe) == []
    assert recipe_notes({"logit_std": 8.96}, recipe) == []
    assert recipe_notes({}, recipe) == [] and recipe_notes({"logit_std": 1.0}, None) == []


def test_a_scale_below_the_range_gets_the_wider_calibrator_despite_covered_traits() -> None:
    # A ReLU/max-pool CNN (covered by architecture) with a clean-logit scale below the
    # default calibration's range: the wider calibrator scores it (issue 9, sixth round);
    # one above the range keeps the default calibrator.
    relu = create_model("cnn", (1, 28, 28), 10, width=4).eval()
    verdict = MMBD(n_starts=2, steps=6).inspect(relu, None, input_shape=(1, 28, 28), seed=0)
    narrow = Calibrator("mmbd", ["mmbd_neglog10_p"], [0.0], -5.0,
                        {"coverage": {"activation:relu": 50, "pool:max": 40, "layer:conv": 40},
                         "recipe_range": {"logit_std": [4.3, 7.2]}})
    wider = Calibrator("mmbd:out-of-coverage", ["mmbd_early_anomaly"], [0.0], 5.0,
                       {"n_models": 7, "coverage": {"activation:relu": 9}})
    cals = {"mmbd": narrow, "mmbd:out-of-coverage": wider}
    verdict.features["logit_std"] = 5.0
    calibrate(verdict, cals)
    assert verdict.probability == pytest.approx(1 / (1 + np.exp(5)))
    assert verdict.coverage_notes == []
    verdict.features["logit_std"] = 8.96
    calibrate(verdict, cals)
    assert verdict.probability == pytest.approx(1 / (1 + np.exp(5)))
    assert verdict.coverage_notes == []
    verdict.features["logit_std"] = 2.5
    calibrate(verdict, cals)
    assert verdict.probability == pytest.approx(1 / (1 + np.exp(-5)))
    assert verdict.coverage_notes[0].startswith("clean-logit scale 2.50: below the default")
    assert "wider calibration (7 models" in verdict.coverage_notes[-1]


def test_shipped_default_calibrator_records_its_recipe_range() -> None:
    low, high = load_calibrators()["auto"].fitted_on["recipe_range"]["logit_std"]
    assert 0 < low < high


def test_auto_probes_a_covered_model_only_when_its_scale_is_below_the_shipped_range() -> None:
    # The shipped `auto` calibrator's range decides: below it the probes run (the wider
    # calibrator needs them); inside or above it they do not (issue 9, sixth round).
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.detect.base import InspectionTarget

    relu = create_model("cnn", (1, 28, 28), 10, width=4).eval()
    target = InspectionTarget(relu, (1, 28, 28), 10)
    low, high = load_calibrators()["auto"].fitted_on["recipe_range"]["logit_std"]
    auto = AutoDetector()
    assert auto._probe(target, {"logit_std": low - 0.5})
    assert not auto._probe(target, {"logit_std": (low + high) / 2})
    assert not auto._probe(target, {"logit_std": high + 1.7})


def test_shipped_wider_calibrator_reads_the_flip_share() -> None:
    # Issue 9, ninth round: W + the largest flip share, fitted on the 119 development models of
    # the second training script, shipped after its rule held on the fresh seed-17 population.
    cal = load_calibrators()["auto:out-of-coverage"]
    assert cal.features[-1] == "uap_share_top"
    assert cal.fitted_on["n_models"] == 119
    assert cal.fitted_on["design"] == "W + uap_share_top"


def test_a_trait_the_wider_calibration_lacked_too_is_said() -> None:
    # Issue 9, ninth round: the wider calibrator refitted on the 119 models with flip shares has
    # no sigmoid model; a sigmoid model scored by it must not read as covered.
    model = create_model("lenet5", (1, 28, 28), 10, activation="sigmoid").eval()
    verdict = MMBD(n_starts=2, steps=3).inspect(model, None, input_shape=(1, 28, 28), seed=0)
    narrow = Calibrator("mmbd", ["mmbd_neglog10_p"], [0.0], -5.0,
                        {"coverage": {"activation:relu": 50, "pool:max": 40, "layer:conv": 40}})
    wider = Calibrator("mmbd:out-of-coverage", ["mmbd_early_anomaly"], [0.0], 5.0,
                       {"n_models": 7, "coverage": {"activation:tanh": 9, "layer:conv": 9}})
    calibrate(verdict, {"mmbd": narrow, "mmbd:out-of-coverage": wider})
    assert verdict.probability == pytest.approx(1 / (1 + np.exp(-5)))
    assert "sigmoid activations: calibration has 0 such models in the wider calibration too" \
        in verdict.coverage_notes
    assert "wider calibration (7 models" in verdict.coverage_notes[-1]
    shipped = load_calibrators()["auto:out-of-coverage"].fitted_on["coverage"]
    assert coverage_notes({"activation:sigmoid"}, shipped)  # why this note matters now
