"""``trojanscope detect-data`` on a user's poisoned ``.npz`` and on a red-team run folder: the
JSON contract, the findings folder, the cleaned set, ground-truth scoring, and one clear error
line (exit 2, nothing written) for each kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.attacks import BadNets
from trojanscope.cli.main import run
from trojanscope.data import load_dataset
from trojanscope.triggers import PatchTrigger


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The synthetic training split (448 images, 4 classes) with 10% BadNets poison, saved as a
    user would: ``x``, ``y`` and the ``poison`` mask; plus broken variants."""
    root = tmp_path_factory.mktemp("data")
    train = load_dataset("synthetic", "train")
    attack = BadNets(target=1, poison_rate=0.1, seed=5,
                     trigger=PatchTrigger(size=3, pattern="solid"))
    view = attack.poison(train)
    x, y = view.get_batch(torch.arange(len(view)))
    x, y, mask = x.numpy(), y.numpy(), view.is_poisoned.numpy()
    np.savez(root / "poisoned.npz", x=x, y=y, poison=mask)
    np.savez(root / "unlabelled_truth.npz", x=x, y=y)
    np.savez(root / "mismatch.npz", x=x, y=y[:-3])
    nan = x.copy()
    nan[4, 0, 0, 0] = np.nan
    np.savez(root / "nan.npz", x=nan, y=y)
    np.savez(root / "one_class.npz", x=x[y == 0], y=y[y == 0])
    np.savez(root / "tiny.npz", x=x[:12], y=np.arange(12) % 2)
    return {p.stem: p for p in root.iterdir()}


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_json_contract_scoring_report_and_clean_set(files, tmp_path, capsys) -> None:
    out, clean = tmp_path / "findings", tmp_path / "clean.npz"
    code = run(["detect-data", str(files["poisoned"]), "--out", str(out), "--write-clean",
                str(clean), "--format", "json"])
    doc = _json(capsys)
    assert code == (1 if doc["flagged"] else 0)
    assert {"method", "suspicion", "flagged", "target_classes", "elapsed_s"} <= set(doc)
    assert doc["method"] == "auto" and len(doc["suspicion"]) == 448
    truth = np.load(files["poisoned"])["poison"]
    flagged = np.zeros(448, dtype=bool)
    flagged[doc["flagged"]] = True
    assert doc["recall"] == (flagged & truth).sum() / truth.sum()
    assert doc["fpr"] == (flagged & ~truth).sum() / (~truth).sum()
    assert 0.0 <= doc["roc_auc"] <= 1.0 and doc["precision"] is not None
    assert sorted(p.name for p in out.iterdir()) == ["detection.json", "report.html",
                                                       "suspicion.npy"]
    assert np.allclose(np.load(out / "suspicion.npy"), doc["suspicion"], atol=1e-5)
    html = (out / "report.html").read_text()
    assert "Suspicion per class" in html and "Most suspicious samples" in html
    verdict_line = {True: "Evidence of poisoning", False: "No evidence of poisoning"}
    assert verdict_line[doc["poisoned"]] in html  # the set-level verdict is in the report
    kept = np.load(clean)
    assert "restored" not in doc["clean"]  # the default drops every flagged sample
    assert len(kept["y"]) == 448 - len(doc["flagged"]) == doc["clean"]["kept"]
    assert "poison" not in kept.files  # ground truth never travels with the cleaned set
    # retrained as long as the whole set would train (8 epochs of 448 in batches of 64)
    assert doc["clean"]["steps"] == 8 * 7
    assert run(["train", "--dataset", str(clean), "--steps", "3", "--no-export",
                "--out", str(tmp_path / "retrained"), "--format", "json"]) == 0


def test_no_ground_truth_means_no_scores(files, capsys) -> None:
    run(["detect-data", str(files["unlabelled_truth"]), "--method", "spectral",
         "--format", "json"])
    doc = _json(capsys)
    assert doc["method"] == "spectral" and "recall" not in doc and "roc_auc" not in doc


def test_a_given_model_gives_the_features(files, tmp_path, capsys) -> None:
    assert run(["train", "--dataset", "synthetic", "--epochs", "1", "--no-export",
                "--arch-param", "width=4", "--out", str(tmp_path / "m"), "--format", "json"]) == 0
    capsys.readouterr()
    run(["detect-data", str(files["poisoned"]), "--model", str(tmp_path / "m"),
         "--format", "json"])
    doc = _json(capsys)
    assert doc["feature_model"]["source"] == str(tmp_path / "m")


def test_a_run_folder_is_rebuilt_and_scored(tmp_path, capsys) -> None:
    folder = tmp_path / "run"
    assert run(["attack", "--attack", "badnets", "--dataset", "synthetic", "--epochs", "1",
                "--target", "2", "--poison-rate", "0.1", "--no-export", "--out", str(folder),
                "--format", "json"]) == 0
    capsys.readouterr()
    run(["detect-data", str(folder), "--format", "json"])
    doc = _json(capsys)
    assert doc["poison_total"] == len(np.load(folder / "poison_indices.npy"))
    np.save(folder / "poison_indices.npy", np.array([0, 1, 2]))
    assert run(["detect-data", str(folder)]) == 2
    assert "cannot be rebuilt exactly" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "args", "needle"), [
    ("mismatch", [], "'x' has 448 samples but 'y' has 445"),
    ("nan", [], "NaN or Inf"),
    ("one_class", [], "need at least 2 classes"),
    ("tiny", [], "class 0 has 6 samples; the method needs at least 11"),
    ("poisoned", ["--model", "MODEL"], "does not accept inputs of shape (1, 16, 16)"),
    ("poisoned", ["--method", "nope"], "unknown data-detector 'nope'"),
    ("poisoned", ["--method-param", "group_agree=2"],
     "group_agree must be a number >= 0.0 and <= 1.0, got 2"),
    ("poisoned", ["--restore", "--relabel"], "--relabel and --restore exclude each other"),
])
def test_bad_input_is_one_error_line_and_nothing_written(
    files, tmp_path, capsys, name, args, needle
) -> None:
    if "MODEL" in args:
        model = tmp_path / "mnist-model"
        assert run(["train", "--dataset", "mnist", "--epochs", "1", "--arch", "mlp",
                    "--no-export", "--out", str(model), "--format", "json"]) == 0
        capsys.readouterr()
        args = [str(model) if a == "MODEL" else a for a in args]
    out, clean = tmp_path / "findings", tmp_path / "clean.npz"
    code = run(["detect-data", str(files[name]), *args, "--out", str(out),
                "--write-clean", str(clean)])
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if ln]
    assert code == 2 and "Traceback" not in err, err
    # a slow machine may print the status line before the error: the error is the last line
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert errors == [lines[-1]] and needle in lines[-1], err
    assert not out.exists() and not clean.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_labels_outside_the_models_classes(files, tmp_path, capsys) -> None:
    x = np.load(files["poisoned"])["x"]
    np.savez(tmp_path / "ten.npz", x=x, y=np.arange(len(x)) % 10)
    assert run(["train", "--dataset", "synthetic", "--epochs", "1", "--no-export",
                "--out", str(tmp_path / "m4"), "--format", "json"]) == 0
    capsys.readouterr()
    assert run(["detect-data", str(tmp_path / "ten.npz"), "--model", str(tmp_path / "m4")]) == 2
    assert "the data have label 9 but the model has 4 classes" in capsys.readouterr().err


def test_audit_training_data_adds_the_data_step(files, tmp_path, capsys) -> None:
    model = tmp_path / "m"
    assert run(["train", "--dataset", "synthetic", "--epochs", "1", "--arch-param", "width=4",
                "--no-export", "--out", str(model), "--format", "json"]) == 0
    capsys.readouterr()
    run(["audit", str(model), "--data", "synthetic", "--training-data", str(files["poisoned"]),
         "--no-history", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    step = next(s for s in doc["steps"] if s["name"] == "data")
    assert step["status"] == "ok" and step["details"]["samples"] == 448
    assert "recall" in step["details"]  # the .npz's poison mask scores it
    found = [f for f in doc["findings"] if f["rule_id"] == "TSA110"]
    assert len(found) == (1 if step["details"]["flagged"] else 0)
