"""A set too small for the method is refused before any feature model is trained (issue 13's
bad-input list: "fewer samples than a method needs (say how many)": one line, at once)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import trojanscope.detect.data.run as run_module
from trojanscope.cli.main import run
from trojanscope.data.dataset import TensorDataset
from trojanscope.errors import UserInputError


@pytest.fixture()
def no_training(monkeypatch):
    """Training a feature model fails the test: the refusal must come first."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a feature model was trained on a set the method refuses")

    monkeypatch.setattr(run_module, "train_features", refuse)


def _tiny() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((12, 1, 8, 8), dtype=np.float32), np.arange(12) % 3  # 4 per class


def test_detect_data_refuses_a_tiny_set_before_training(no_training) -> None:
    x, y = _tiny()
    data = TensorDataset(torch.as_tensor(x), torch.as_tensor(y), ("a", "b", "c"), "tiny")
    with pytest.raises(UserInputError, match="class 0 has 4 samples; the method needs at least"):
        run_module.detect_data(data, method="auto")
    with pytest.raises(UserInputError, match="needs at least 10 per class"):
        run_module.detect_data(data, method="spectral")


def test_the_cli_prints_one_line_and_writes_nothing(no_training, tmp_path, capsys) -> None:
    x, y = _tiny()
    np.savez(tmp_path / "tiny.npz", x=x, y=y)
    out, clean = tmp_path / "findings", tmp_path / "clean.npz"
    code = run(
        ["detect-data", str(tmp_path / "tiny.npz"), "--out", str(out), "--write-clean", str(clean)]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [
        "error: auto: class 0 has 4 samples; the method needs at least 11 per class"
    ], err
    assert not out.exists() and not clean.exists()


def test_a_given_model_still_names_labels_outside_its_classes() -> None:
    """With ``--model``, the model's own check comes first: a label beyond its classes is named
    as such, not as a class too small (the refusal before training is for trained features)."""
    x, y = _tiny()
    y = np.where(np.arange(12) == 0, 5, y)  # one sample of class 5; the model has 3 classes
    data = TensorDataset(torch.as_tensor(x), torch.as_tensor(y), tuple("abcdef"), "tiny")
    model = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(64, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    )
    with pytest.raises(UserInputError, match="the data have label 5 but the model has 3 classes"):
        run_module.detect_data(data, model, method="auto")
