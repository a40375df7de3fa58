"""``trojanscope purify``: purified inputs written atomically, CA/ASR measured on a red-team
run's trigger, bad input refused with one line and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.experiment import save_experiment


@pytest.fixture(scope="module")
def folders(tmp_path_factory, backdoored_run, tiny_test):
    root = tmp_path_factory.mktemp("purify")
    save_experiment(backdoored_run, root / "bad", exports=False)
    np.savez(root / "clean.npz", x=tiny_test.x.numpy(), y=tiny_test.y.numpy())
    np.savez(root / "unlabelled.npz", x=tiny_test.x.numpy()[:20])
    return root


def test_purify_writes_the_purified_inputs_and_measures_them(folders: Path, capsys,
                                                               backdoored_run, tiny_test) -> None:
    out = folders / "purified.npz"
    code = run(["purify", str(folders / "bad"), str(folders / "clean.npz"), "--method",
                "median", "--out", str(out), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["count"] == len(tiny_test)
    assert report["triggered"] == "attack badnets"
    assert report["before"]["asr"] == pytest.approx(
        backdoored_run.metrics["attack_success_rate"])
    [row] = report["methods"]
    assert row["method"] == "median" and {"ca", "asr"} <= set(row)
    with np.load(out) as npz:
        assert npz["x"].shape == tuple(tiny_test.x.shape) and len(npz["y"]) == len(tiny_test)
        assert not np.array_equal(npz["x"], tiny_test.x.numpy())


def test_all_methods_side_by_side(folders: Path, capsys) -> None:
    code = run(["purify", str(folders / "bad"), str(folders / "clean.npz"), "--method", "all",
                "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["method"] for r in report["methods"]] == sorted(r["method"]
                                                              for r in report["methods"])
    assert len(report["methods"]) >= 5


def test_unlabelled_inputs_are_purified_without_figures(folders: Path, capsys) -> None:
    out = folders / "u.npz"
    code = run(["purify", str(folders / "bad" / "model.safetensors"),
                str(folders / "unlabelled.npz"), "-m", "bit-depth", "-p", "bits=1", "--out",
                str(out), "--format", "json", "--triggered", str(folders / "clean.npz")])
    assert code == 2  # a file of triggered inputs needs target labels
    assert "target" in capsys.readouterr().err
    code = run(["purify", str(folders / "bad"), str(folders / "unlabelled.npz"), "-m",
                "bit-depth", "-p", "bits=1", "--out", str(out), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2 and "needs labels" in captured.err and not out.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["-m", "nope"], "unknown input-purifier 'nope'"),
    (["-m", "all", "--out", "x.npz"], "no --out"),
    (["-m", "median", "-p", "kernel=4"], "kernel must be odd"),
    (["--triggered", "missing-run"], "neither a red-team run"),
])
def test_bad_input_is_one_line(folders: Path, capsys, args: list[str], message: str) -> None:
    code = run(["purify", str(folders / "bad"), str(folders / "clean.npz"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_inputs_of_the_wrong_shape(folders: Path, capsys, tmp_path: Path, tiny_test) -> None:
    np.savez(tmp_path / "wrong.npz", x=np.zeros((3, 1, 8, 8), np.float32))
    np.savez(tmp_path / "nan.npz", x=np.full((3, *tiny_test.input_shape), np.nan, np.float32))
    for name, message in (("wrong.npz", "do not fit the model"), ("nan.npz", "NaN")):
        out = tmp_path / "o.npz"
        code = run(["purify", str(folders / "bad"), str(tmp_path / name), "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and message in err and not out.exists()


def test_learning_methods_train_on_data(folders: Path, capsys) -> None:
    clean = str(folders / "clean.npz")
    code = run(["purify", str(folders / "bad"), clean, "-m", "reformer"])
    assert code == 2 and "give --data" in capsys.readouterr().err
    code = run(["purify", str(folders / "bad"), clean, "-m", "reformer", "--data", clean,
                "-p", "epochs=2", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["methods"][0]["method"] == "reformer"
    assert {"ca", "asr"} <= set(report["methods"][0])
    code = run(["purify", str(folders / "bad"), clean, "-m", "all", "--data", clean,
                "--format", "json"])
    assert "reformer" in [r["method"] for r in json.loads(capsys.readouterr().out)["methods"]]
    code = run(["purify", str(folders / "bad"), clean, "-m", "reformer", "--data", "mnist"])
    assert code == 2 and "--data mnist: inputs of shape" in capsys.readouterr().err


def test_the_status_line_names_only_the_methods_that_run(folders: Path, capsys,
                                                         monkeypatch) -> None:
    """Without --data, ``--method all`` leaves the reformer out: its status line says so."""
    import contextlib

    from trojanscope.cli.commands import purify as command

    said: list[str] = []

    @contextlib.contextmanager
    def record(message: str):
        said.append(message)
        yield

    monkeypatch.setattr(command, "status", record)
    code = run(["purify", str(folders / "bad"), str(folders / "clean.npz"), "--method", "all",
                "--format", "json"])
    ran = [r["method"] for r in json.loads(capsys.readouterr().out)["methods"]]
    [line] = [m for m in said if m.startswith("purifying")]
    assert code == 0 and "reformer" not in ran
    assert line.endswith(f"with {', '.join(ran)}…")


def test_purify_names_a_missing_model_before_reading_the_inputs(folders: Path, tmp_path: Path,
                                                                 capsys) -> None:
    """A MODEL that does not exist is the error, not the INPUTS or --data read before it."""
    missing = tmp_path / "no-model"
    code = run(["purify", str(missing), str(tmp_path / "no-inputs.npz"), "--method", "reformer",
                "--data", str(tmp_path / "no-data.npz")])
    err = capsys.readouterr().err
    assert code == 2 and "no-model: no such file or folder" in err.replace("\n", "")
    assert "no-inputs" not in err and "no-data" not in err and "Traceback" not in err


def test_a_triggered_file_is_checked_once(folders: Path, capsys, triggered_checks) -> None:
    """``--triggered FILE`` is checked before the model loads, and once only (stop 54: the
    loader checked it a second time)."""
    write, calls = triggered_checks
    trig = write(folders / "trig-once.npz")
    code = run(["purify", str(folders / "bad"), str(folders / "clean.npz"), "-m", "bit-depth",
                "--triggered", str(trig), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["triggered"] == str(trig)
    assert calls == ["--triggered"]
