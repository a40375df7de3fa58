"""``trojanscope detect-inputs``: the JSON contract, red-team runs, model formats, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.data import load_dataset

TRAIN = ["-q", "attack", "--attack", "badnets", "--dataset", "synthetic", "--arch", "cnn",
         "--arch-param", "width=8", "--epochs", "8", "--batch-size", "32", "--lr", "0.003",
         "--poison-rate", "0.2", "--target", "2", "-p", "size=4", "-p", "pattern=solid"]


@pytest.fixture(scope="module")
def backdoored(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inputs") / "run"
    assert run([*TRAIN, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def batch(backdoored: Path) -> tuple[Path, int]:
    """20 clean test inputs followed by 20 with the run's trigger (not of the target class)."""
    from trojanscope.io.models import load_model
    from trojanscope.mitigate.triggers import attack_from_spec

    test = load_dataset("synthetic", "test")
    attack = attack_from_spec(load_model(backdoored).manifest.attack)
    others = test.x[test.y != 2]
    x = np.concatenate([others[:20].numpy(), attack.trigger.apply(others[20:40]).numpy()])
    path = backdoored.parent / "incoming.npz"
    np.savez(path, x=x)
    return path, 20


def _json(argv: list[str], capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = run(argv)
    return code, json.loads(capsys.readouterr().out)


def test_json_contract_and_flags(backdoored: Path, batch, capsys) -> None:
    path, n_clean = batch
    code, out = _json(["detect-inputs", str(backdoored), str(path), "--data", "synthetic",
                       "--format", "json"], capsys)
    assert code == 1  # something flagged
    assert {"method", "scores", "flagged", "threshold", "forward_passes_per_input",
            "elapsed_s"} <= set(out)
    assert out["method"] == "mahalanobis" and 1 <= out["forward_passes_per_input"] <= 5
    assert len(out["scores"]) == 40
    assert out["flagged"] == [i for i, s in enumerate(out["scores"]) if s > out["threshold"]]
    caught = sum(i >= n_clean for i in out["flagged"])
    false = sum(i < n_clean for i in out["flagged"])
    assert caught >= 18 and false <= 2, out["flagged"]


def test_same_scores_from_the_onnx_export(backdoored: Path, batch, capsys) -> None:
    path, _ = batch
    _, native = _json(["detect-inputs", str(backdoored), str(path), "--data", "synthetic",
                       "--format", "json"], capsys)
    _, onnx = _json(["detect-inputs", str(backdoored / "model.onnx"), str(path), "--data",
                     "synthetic", "--format", "json"], capsys)
    assert onnx["flagged"] == native["flagged"]
    assert np.allclose(onnx["scores"], native["scores"], atol=1e-3)


def test_triggered_run_reports_auc(backdoored: Path, capsys) -> None:
    every = load_dataset("synthetic", "all")  # the test split alone is too small to halve
    clean = backdoored.parent / "clean.npz"
    np.savez(clean, x=every.x.numpy(), y=every.y.numpy())
    code, out = _json(["detect-inputs", str(backdoored), "--triggered", str(backdoored),
                       "--data", str(clean), "--format", "json"], capsys)
    assert code == 0
    t = out["triggered"]
    assert t["roc_auc"] > 0.95 and t["positives"] > 0 and t["fpr"] == 0.01
    assert 0.0 <= t["tpr_at_fpr"] <= 1.0
    # stop 62: the inputs the trigger turned (clean twin not of the target class), beside
    assert 0 < t["turned"] <= t["positives"] and 0.0 <= t["guard_tpr_turned"] <= 1.0
    assert t["roc_auc_turned"] > 0.95 and 0.0 <= t["tpr_at_fpr_turned"] <= 1.0
    assert "not_seen" not in t  # stop 74: the line is for chance only


def test_other_method_and_table(backdoored: Path, batch, capsys) -> None:
    path, _ = batch
    capsys.readouterr()
    code = run(["detect-inputs", str(backdoored), str(path), "--data", "synthetic", "--method",
                "strip", "--method-param", "n_overlays=5", "--fpr", "0.05"])
    text = capsys.readouterr().out
    assert code in (0, 1) and "inputs flagged" in text and "strip" in text
    assert "5 forward" in " ".join(text.split())


def _bad(tmp_path: Path, name: str, **arrays) -> str:
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def test_bad_input_is_one_error_line(backdoored: Path, batch, tmp_path: Path, capsys) -> None:
    good = str(batch[0])
    x = np.random.default_rng(0).random((4, 1, 16, 16)).astype(np.float32)
    nan = x.copy()
    nan[0, 0, 0, 0] = np.nan
    cases = {
        "expects (1, 16, 16)": [_bad(tmp_path, "s.npz", x=x[:, :, :8])],
        "floating point": [_bad(tmp_path, "i.npz", x=(x * 255).astype(np.uint8))],
        "NaN": [_bad(tmp_path, "n.npz", x=nan)],
        "no array 'x'": [_bad(tmp_path, "y.npz", y=np.arange(4))],
        "unknown input-detector": [good, "--method", "nope"],
        "--fpr": [good, "--fpr", "1.5"],
        "(0, 1)": [good, "--fpr", "0"],
        "NxCxHxW (4 dimensions), got shape (1, 16, 16)": [_bad(tmp_path, "d.npz", x=x[0])],
    }
    for expected, args in cases.items():
        capsys.readouterr()
        code = run(["detect-inputs", str(backdoored), *args, "--data", "synthetic"])
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == 2, (expected, err)
        assert lines[0].startswith("error:") and expected in err, (expected, err)
        assert "Traceback" not in err


def test_model_without_manifest_needs_data(backdoored: Path, batch, capsys) -> None:
    capsys.readouterr()
    code = run(["detect-inputs", str(backdoored / "model.onnx"), str(batch[0])])
    assert code == 2 and "--data" in capsys.readouterr().err
