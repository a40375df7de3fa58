"""The README's commands on a user's files: a TorchScript model and a 200-image clean ``.npz``.

A user's clean file is all the clean data they have: ``detect`` and ``audit`` use it whole unless
``--split`` is given, and too little of it is one error line saying what is needed and what was
given per class.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.cli.main import run
from trojanscope.data import load_dataset
from trojanscope.engine import Trainer
from trojanscope.models import create_model

PER_CLASS = 20  # 200 images: what a user has at hand


@pytest.fixture(scope="module")
def user_files(tmp_path_factory) -> dict[str, Path]:
    """A small MNIST CNN saved as TorchScript (trained outside any run folder) and a clean
    ``.npz`` of 20 test images per digit."""
    root = tmp_path_factory.mktemp("user")
    train, test = load_dataset("mnist", "train"), load_dataset("mnist", "test")
    torch.manual_seed(0)
    model = create_model("cnn", train.input_shape, train.num_classes, width=4)
    Trainer(epochs=1, batch_size=64, lr=3e-3, seed=0).fit(model, train.subset(torch.arange(1500)))
    model.eval()
    torch.jit.trace(model, torch.rand(1, *train.input_shape)).save(str(root / "model.pt"))
    labels = test.labels.numpy()
    keep = np.concatenate([np.flatnonzero(labels == c)[:PER_CLASS] for c in range(10)])
    x, y = test.get_batch(torch.from_numpy(np.sort(keep)))
    np.savez(root / "clean.npz", x=x.numpy(), y=y.numpy())
    few = np.concatenate([np.flatnonzero(y.numpy() == c)[: 10 if c < 5 else 3] for c in range(10)])
    np.savez(root / "small.npz", x=x.numpy()[few], y=y.numpy()[few])
    hundred = np.concatenate([np.flatnonzero(y.numpy() == c)[:10] for c in range(10)])
    np.savez(root / "hundred.npz", x=x.numpy()[hundred], y=y.numpy()[hundred])
    return {"model": root / "model.pt", "clean": root / "clean.npz", "small": root / "small.npz",
            "hundred": root / "hundred.npz"}


def test_detect_uses_the_whole_file(user_files, tmp_path, capsys, shared_inspections) -> None:
    out = tmp_path / "findings"
    code = run(["detect", str(user_files["model"]), "--data", str(user_files["clean"]),
                "--format", "json", "--out", str(out)])
    assert code in (0, 1), capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "torchscript" and report["probability"] is not None
    # A ReLU/max-pool CNN is what the calibration covered: no note about it. (This small
    # one-epoch CNN reads a frame gap far above the CNN start, so stop 40's frame term raises
    # it, and says that term's coverage has no CNNs: its CNN start was set on clean CNNs apart.)
    assert all("the raise term's calibration" in n for n in report["coverage_notes"])
    assert "activation:relu" in report["traits"]
    assert (out / "verdict.json").is_file()


# slow set (stop 60): detect on a user's whole file is test_detect_uses_the_whole_file's check,
# the per-class floor the two error tests' below
@pytest.mark.slow
def test_detect_with_a_100_image_file(user_files, capsys) -> None:
    # 10 per class: enough when the whole file is used (its test split would be 2 per class).
    code = run(["detect", str(user_files["model"]), "--data", str(user_files["hundred"]),
                "--format", "json"])
    assert code in (0, 1), capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["probability"] is not None


def test_split_still_applies_to_a_file_when_asked(user_files, capsys) -> None:
    # The test split of 200 images is 40 (4 per class): too few, and the error says so.
    code = run(["detect", str(user_files["model"]), "--data", str(user_files["clean"]),
                "--split", "test"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error:")
    assert "at least 5 clean samples per class (50 in all); 40 given" in err
    assert "0: 4" in err


def test_too_little_data_says_needed_and_given_per_class(user_files, capsys) -> None:
    code = run(["detect", str(user_files["model"]), "--data", str(user_files["small"])])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "65 given, per class {0: 10, 1: 10, 2: 10, 3: 10, 4: 10, 5: 3," in err
    assert "too few in class(es) [5, 6, 7, 8, 9]" in err
    assert "the model has" not in err  # every class is labelled in this file


def test_a_file_of_one_class_says_the_model_has_more(user_files, tmp_path, capsys) -> None:
    with np.load(user_files["clean"]) as data:
        x, y = data["x"], data["y"]
    np.savez(tmp_path / "threes.npz", x=x[y == 3], y=y[y == 3])
    code = run(["detect", str(user_files["model"]), "--data", str(tmp_path / "threes.npz")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "too few in class(es) [0, 1, 2]" in err
    assert "the model has 10 classes, the data labels only up to 3" in err


def test_audit_uses_the_whole_file(user_files, tmp_path, monkeypatch, capsys,
                                   shared_inspections) -> None:
    """The audit's detection of the file is ``detect``'s above (``shared_inspections``: the
    same model, data and seed, inspected once per worker; stop 62)."""
    monkeypatch.setenv("TROJANSCOPE_DB", str(tmp_path / "history.sqlite"))
    code = run(["audit", str(user_files["model"]), "--data", str(user_files["clean"]),
                "--format", "json", "--no-history"])
    doc = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    step = next(s for s in doc["steps"] if s["name"] == "detect")
    assert step["status"] != "error", step
    assert doc["data"]["samples"] == 10 * PER_CLASS and doc["data"]["split"] == "all"
