"""``audit --training-data`` with too few samples per class is refused before the first step
(docs/audit.md: bad ``--training-data`` stops the audit with one line, exit 2, nothing written),
as ``detect-data`` refuses it before training; and ``check_labels`` names an empty set and
negative labels in one line (stop 39 first-contact review)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.audit.pipeline import AuditStep, default_steps
from trojanscope.cli.main import run
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import DataInputError, UserInputError
from trojanscope.experiment import save_experiment


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, clean_run):
    folder = tmp_path_factory.mktemp("counts-model") / "clean"
    save_experiment(clean_run, folder)
    return folder


def _tiny(path):
    """4 samples of each of the tiny model's 4 classes (1x16x16): too few for ``auto``."""
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.random((16, 1, 16, 16), dtype=np.float32), y=np.arange(16) % 4)
    return path


def test_run_audit_refuses_too_few_per_class_before_any_step(model_dir, tmp_path):
    calls = []

    class Spy(AuditStep):
        name, title, order = "spy", "Spy", 0

        def run(self, ctx, step):
            calls.append(step.name)

    path = _tiny(tmp_path / "tiny.npz")
    with pytest.raises(DataInputError, match=r"^--training-data .*class 0 has 4 samples"):
        run_audit(model_dir, AuditOptions(training_data=str(path)), steps=[Spy(), *default_steps()])
    assert calls == []


def test_cli_writes_nothing_for_too_few_per_class(model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TROJANSCOPE_DB", str(tmp_path / "history.sqlite"))
    path = _tiny(tmp_path / "tiny.npz")
    report = tmp_path / "report"
    code = run(["audit", str(model_dir), "--training-data", str(path), "--report", str(report)])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("error: --training-data") and "class 0 has 4 samples" in lines[0]
    assert not report.exists()
    assert run(["history", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def _set(y: np.ndarray) -> TensorDataset:
    x = torch.zeros((len(y), 1, 8, 8))
    return TensorDataset(x, torch.as_tensor(y, dtype=torch.long), ("a", "b", "c"), "s")


def test_an_empty_set_is_named_empty():
    with pytest.raises(UserInputError, match=r"^the data set is empty$"):
        detect_data(_set(np.zeros(0, dtype=np.int64)))


def test_negative_labels_are_refused_in_one_line():
    with pytest.raises(UserInputError, match=r"labels must be class indices 0\.\.2, found -1"):
        detect_data(_set(np.arange(12) % 3 - 1))
