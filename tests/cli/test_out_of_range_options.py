"""The cases stop 34's sweep left open (``benchmarks/bad_options.py``, stop 35): each is now
one ``error:`` line, exit 2, with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.experiment import save_experiment


def one_error_line(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and all(w in lines[0] for w in words), err
    return lines[0]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, clean_run) -> Path:
    folder = tmp_path_factory.mktemp("out-of-range") / "run"
    save_experiment(clean_run, folder)
    return folder


@pytest.fixture
def inputs(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "inputs.npz"
    np.savez(path, x=rng.random((40, 1, 16, 16), dtype=np.float32), y=np.arange(40) % 4)
    return path


def test_a_suppression_of_an_unknown_rule_is_refused(model_dir, tmp_path, capsys) -> None:
    assert run(["scan", str(model_dir), "--suppress", "NOSUCH:*"]) == 2
    one_error_line(capsys, "--suppress 'NOSUCH:*'", "unknown rule 'NOSUCH'")
    assert run(["scan", str(model_dir), "--suppress", "TS150:*", "--suppress", "*:*.pt"]) == 0
    capsys.readouterr()
    report = tmp_path / "rep"
    assert (
        run(
            [
                "audit",
                str(model_dir),
                "--data-free",
                "--report",
                str(report),
                "--no-history",
                "--suppress",
                "NOSUCH:*",
            ]
        )
        == 2
    )
    one_error_line(capsys, "unknown rule 'NOSUCH'")
    assert not report.exists()


@pytest.mark.parametrize("command", ["train", "attack"])
def test_a_huge_learning_rate_is_refused_before_training(tmp_path, capsys, command) -> None:
    out = tmp_path / "o"
    assert (
        run(
            [
                command,
                "--dataset",
                "synthetic",
                "--arch",
                "mlp",
                "--epochs",
                "1",
                "--lr",
                "1e300",
                "--out",
                str(out),
                "--no-export",
            ]
        )
        == 2
    )
    one_error_line(capsys, "learning rate must be a number > 0 and <= 10, got 1e+300")
    assert not out.exists()


def test_a_huge_method_learning_rate_is_refused_up_front(
    model_dir, inputs, tmp_path, capsys
) -> None:
    out = tmp_path / "o"
    assert (
        run(
            [
                "mitigate",
                str(model_dir),
                "--data",
                str(inputs),
                "--method",
                "finetune",
                "--method-param",
                "lr=1e12",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    one_error_line(capsys, "mitigation 'finetune': lr must be a number > 0.0 and <= 10.0")
    assert not out.exists()


def test_a_strip_weight_above_one_is_refused(model_dir, inputs, capsys) -> None:
    assert (
        run(
            [
                "detect-inputs",
                str(model_dir),
                str(inputs),
                "--data",
                str(inputs),
                "--method",
                "strip",
                "--method-param",
                "weight=1e12",
            ]
        )
        == 2
    )
    one_error_line(capsys, "weight in (0, 1]")


def test_more_guard_folds_than_clean_inputs_are_refused(model_dir, tmp_path, capsys) -> None:
    pytest.importorskip("uvicorn")
    rng = np.random.default_rng(0)
    clean = tmp_path / "clean.npz"  # enough for the guard's default five folds
    np.savez(clean, x=rng.random((60, 1, 16, 16), dtype=np.float32), y=np.arange(60) % 4)
    db = tmp_path / "incidents.sqlite"
    assert (
        run(
            [
                "serve",
                str(model_dir),
                "--data",
                str(clean),
                "--port",
                "0",
                "--db",
                str(db),
                "--guard",
                "mahalanobis",
                "--guard-param",
                "folds=1e12",
            ]
        )
        == 2
    )
    one_error_line(capsys, "folds must be at most the number of clean inputs")
    assert not db.exists()


def test_the_bom_of_an_empty_folder_is_refused(tmp_path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "bom.json"
    assert run(["bom", str(tmp_path / "empty"), "--output", str(out)]) == 2
    one_error_line(capsys, "no files to describe")
    assert not out.exists()


def test_an_unknown_calibration_feature_stops_the_zoo_at_its_first_model(
    monkeypatch, tmp_path, capsys
) -> None:
    from trojanscope.detect import evaluate

    ran = []

    def fake_run_zoo(zoo, method, *, on_model=None, **_):
        for i in range(3):  # three models; the check stops it at the first
            ran.append(i)
            row = evaluate.ZooRow(
                f"m{i}",
                bool(i),
                None,
                None,
                0.5,
                1.0,
                None,
                0.1,
                features={"gap": 1.0, "calibrated": 0.5},
            )
            on_model(row, i + 1, 3)
        return []

    monkeypatch.setattr(evaluate, "run_zoo", fake_run_zoo)
    out = tmp_path / "cal.json"
    assert (
        run(
            [
                "-q",
                "zoo",
                "calibrate",
                str(tmp_path),
                "--features",
                "gap,nosuch",
                "--out",
                str(out),
                "--executor",
                "serial",
            ]
        )
        == 2
    )
    one_error_line(capsys, "--features: nosuch: not a feature of 'auto'; its features: gap")
    assert ran == [0] and not out.exists()
    assert (
        run(
            [
                "-q",
                "zoo",
                "calibrate",
                str(tmp_path),
                "--features",
                "gap,,x",
                "--out",
                str(out),
                "--executor",
                "serial",
            ]
        )
        == 2
    )
    one_error_line(capsys, "an empty feature name")
