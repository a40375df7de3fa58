"""The CLI end to end on tiny data, and its handling of bad input (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run

FAST = ["--dataset", "synthetic", "--epochs", "2", "--batch-size", "32"]


def test_version(capsys) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.startswith("trojanscope ")


def test_list_json(capsys) -> None:
    assert run(["list", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert {"badnets", "blended", "sig", "wanet"} <= set(listing["attack"])
    assert {"mnist", "digits", "synthetic"} <= set(listing["dataset"])
    assert {"cnn", "lenet5", "mlp", "preact_resnet18"} <= set(listing["arch"])
    assert {"patch", "blend", "sig", "warp"} <= set(listing["trigger"])


def test_attack_end_to_end(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    code = run(
        [
            "-q",
            "attack",
            "--attack",
            "badnets",
            *FAST,
            "--target",
            "1",
            "--poison-rate",
            "0.2",
            "--seed",
            "3",
            "--out",
            str(out),
            "--format",
            "json",
            "-p",
            "size=4",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["metrics"]) >= {"clean_accuracy", "attack_success_rate", "robust_accuracy"}
    names = {p.name for p in out.iterdir()}
    assert names == {
        "model.safetensors",
        "manifest.json",
        "model.torchscript.pt",
        "model.onnx",
        "poison_indices.npy",
        "triggers.png",
    }
    manifest = json.loads((out / "manifest.json").read_text())
    indices = np.load(out / "poison_indices.npy")
    assert manifest["attack"]["poison_count"] == len(indices) == report["attack"]["poison_count"]
    assert manifest["attack"]["trigger"]["size"] == 4 and manifest["attack"]["target"] == 1
    assert manifest["seed"] == 3 and manifest["metrics"] == report["metrics"]
    from trojanscope.io.hashing import sha256_file

    assert all(sha256_file(out / name) == digest for name, digest in manifest["files"].items())
    assert set(manifest["files"]) == names - {"manifest.json"}


def test_same_seed_same_metrics(tmp_path: Path, capsys) -> None:
    results = []
    for i in range(2):
        assert (
            run(
                [
                    "-q",
                    "attack",
                    "--attack",
                    "blended",
                    *FAST,
                    "--seed",
                    "5",
                    "--no-export",
                    "--out",
                    str(tmp_path / f"r{i}"),
                    "--format",
                    "json",
                ]
            )
            == 0
        )
        results.append(json.loads(capsys.readouterr().out)["metrics"])
    assert results[0] == results[1]


def test_train_clean(tmp_path: Path, capsys) -> None:
    assert (
        run(["-q", "train", *FAST, "--no-export", "--out", str(tmp_path / "c"), "--format", "json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["attack"] is None and report["metrics"]["clean_accuracy"] > 0.5
    assert not (tmp_path / "c" / "poison_indices.npy").exists()


def write_npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


GOOD_X = np.random.default_rng(0).random((40, 1, 8, 8)).astype(np.float32)
GOOD_Y = np.arange(40) % 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["attack", "--attack", "nope"], "unknown attack 'nope'; valid:"),
        (["attack", "--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["attack", "--arch", "vgg"], "unknown arch 'vgg'; valid:"),
        (["attack", "--poison-rate", "0"], "--poison-rate must be in (0, 1]"),
        (["attack", "--poison-rate", "1.5"], "--poison-rate must be in (0, 1]"),
        (["attack", "--target", "12"], "target class 12 does not exist"),
        (["attack", "--trigger", "patch", "-p", "size=-1"], "patch size must be >= 1"),
        (["attack", "-p", "bogus"], "must look like name=value"),
        (["attack", "--mapping", "many"], "unknown target mapping"),
        (["list", "gadgets"], "unknown kind 'gadgets'"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path: Path, capsys, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    full = (
        [*args, "--dataset", "synthetic", "--epochs", "1", "--out", str(out)]
        if args[0] == "attack" and "--dataset" not in args
        else args
    )
    if args[0] == "attack" and "--out" not in full:
        full += ["--out", str(out), "--epochs", "1"]
    assert run(full) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and err.startswith("error:")
    assert not out.exists()


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": GOOD_X}, "'y'"),
        ({"x": GOOD_X.reshape(40, -1), "y": GOOD_Y}, "N"),
        (
            {
                "x": np.where(np.arange(GOOD_X.size).reshape(GOOD_X.shape) == 5, np.nan, GOOD_X),
                "y": GOOD_Y,
            },
            "NaN",
        ),
        ({"x": GOOD_X, "y": GOOD_Y - 1}, "labels"),
    ],
)
def test_bad_npz(tmp_path: Path, capsys, arrays: dict, message: str) -> None:
    path = write_npz(tmp_path / "d.npz", **arrays)
    assert (
        run(["attack", "--dataset", str(path), "--epochs", "1", "--out", str(tmp_path / "o")]) == 2
    )
    err = capsys.readouterr().err.strip()
    assert message in err and str(path) in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_truncated_npz(tmp_path: Path, capsys) -> None:
    path = write_npz(tmp_path / "d.npz", x=GOOD_X, y=GOOD_Y)
    path.write_bytes(path.read_bytes()[:200])
    assert run(["attack", "--dataset", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "error:" in capsys.readouterr().err


def test_user_npz_end_to_end(tmp_path: Path, capsys) -> None:
    path = write_npz(tmp_path / "d.npz", x=GOOD_X, y=GOOD_Y)
    assert (
        run(
            [
                "-q",
                "attack",
                "--dataset",
                str(path),
                "--epochs",
                "1",
                "--no-export",
                "--out",
                str(tmp_path / "o"),
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["attack"]["poison_count"] == round(0.1 * 24)


def test_existing_out_needs_force(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    assert run(["attack", *FAST, "--out", str(out)]) == 2
    assert "use --force" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "precious"
    assert run(["-q", "attack", *FAST, "--no-export", "--out", str(out), "--force"]) == 0
    assert not (out / "keep.txt").exists() and (out / "manifest.json").exists()


def test_failure_leaves_nothing_half_written(tmp_path: Path, monkeypatch, capsys) -> None:
    from trojanscope.io import models as model_io

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model_io, "export_onnx", boom)
    out = tmp_path / "out"
    assert run(["attack", *FAST, "--out", str(out)]) == 2
    assert not out.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trojanscope",
            "attack",
            "--dataset",
            "nope",
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip().startswith(
        "error: unknown dataset"
    )
