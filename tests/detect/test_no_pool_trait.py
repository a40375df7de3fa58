"""The ``pool:none`` trait (convolutions, no pooling layer) and its opt-in coverage check
(issue 9, stop 41: a clean strided-pooling LeNet scored by the max-pool-only calibrator)."""

from __future__ import annotations

from pathlib import Path

import torch

from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.coverage import NO_POOL, architecture_traits, coverage_notes
from trojanscope.detect.mmbd import MMBD
from trojanscope.io.models import load_model
from trojanscope.models import create_model

MAX_ONLY = {"activation:relu": 120, "layer:conv": 87, "pool:max": 87}  # the shipped 'auto's


def test_strided_convolutions_read_as_no_pool_native_and_torchscript(tmp_path: Path) -> None:
    strided = create_model("lenet5", (1, 28, 28), 10, activation="relu", pool="stride").eval()
    assert architecture_traits(strided) == {"activation:relu", "layer:conv", NO_POOL}
    torch.jit.trace(strided, torch.rand(1, 1, 28, 28)).save(str(tmp_path / "m.pt"))
    assert NO_POOL in architecture_traits(load_model(tmp_path / "m.pt").module)
    pooled = create_model("lenet5", (1, 28, 28), 10, activation="relu", pool="max")
    assert NO_POOL not in architecture_traits(pooled)
    assert NO_POOL not in architecture_traits(create_model("mlp", (1, 28, 28), 10))


def test_no_pool_is_read_only_where_the_coverage_records_it() -> None:
    traits = {"activation:relu", "layer:conv", NO_POOL}
    assert coverage_notes(traits, MAX_ONLY) == []  # the shipped file: as before
    assert coverage_notes(traits, {**MAX_ONLY, NO_POOL: 0}) == [
        "convolutions without a pooling layer (strided): calibration has 0 such models"]
    assert coverage_notes(traits, {**MAX_ONLY, NO_POOL: 19}) == []


def test_a_file_that_records_no_pool_sends_a_strided_cnn_to_the_wider_calibrator() -> None:
    model = create_model("lenet5", (1, 28, 28), 10, activation="relu", pool="stride").eval()
    verdict = MMBD(n_starts=2, steps=3).inspect(model, None, input_shape=(1, 28, 28), seed=0)
    default = Calibrator("mmbd", ["mmbd_neglog10_p"], [0.0], 3.0, {"coverage": MAX_ONLY})
    wider = Calibrator("mmbd:out-of-coverage", ["mmbd_neglog10_p"], [0.0], -3.0,
                       {"coverage": {**MAX_ONLY, NO_POOL: 19}, "n_models": 140})
    calibrate(verdict, {"mmbd": default, "mmbd:out-of-coverage": wider})
    assert verdict.probability > 0.9 and verdict.coverage_notes == []
    recorded = Calibrator("mmbd", ["mmbd_neglog10_p"], [0.0], 3.0,
                          {"coverage": {**MAX_ONLY, NO_POOL: 0}})
    calibrate(verdict, {"mmbd": recorded, "mmbd:out-of-coverage": wider})
    assert verdict.probability < 0.1
    assert verdict.coverage_notes[0].startswith("convolutions without a pooling layer")
