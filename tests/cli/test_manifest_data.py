"""The data file a run's manifest names, read alike by ``detect``/``audit`` and ``detect-inputs``
(hfc, stop 55): a run trained on a user's ``.npz`` gave ``detect`` that file's test split
without ``--data`` but ``detect-inputs`` ``error: no clean data`` (it read bundled names only)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.data import load_dataset
from trojanscope.detect.inputs import choose_clean_data


@pytest.fixture(scope="module")
def user_run(tmp_path_factory) -> Path:
    """A run trained on ``user.npz`` (the bundled synthetic set saved as a user would), in a
    folder that also holds ``incoming.npz`` and ``held.npz`` (the file's own test split)."""
    work = tmp_path_factory.mktemp("manifest_data")
    every = load_dataset("synthetic", "all")
    np.savez(work / "user.npz", x=every.x.numpy(), y=every.y.numpy())
    np.savez(work / "incoming.npz", x=every.x[:12].numpy())
    held = load_dataset(str(work / "user.npz"), "test")
    np.savez(work / "held.npz", x=held.x.numpy(), y=held.y.numpy())
    mp = pytest.MonkeyPatch()
    mp.chdir(work)  # the manifest names "user.npz", as the user typed it
    try:
        assert run(["-q", "attack", "--dataset", "user.npz", "--arch", "mlp", "--epochs", "1",
                    "--out", "run"]) == 0
    finally:
        mp.undo()
    return work


def _screen(argv: list[str], capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = run(["detect-inputs", "run", "incoming.npz", "--format", "json", *argv])
    return code, json.loads(capsys.readouterr().out or "{}")


def test_detect_inputs_reads_the_file_the_manifest_names(user_run, monkeypatch, capsys) -> None:
    monkeypatch.chdir(user_run)
    code, named = _screen([], capsys)
    assert code in (0, 1), capsys.readouterr().err
    _, given = _screen(["--data", "held.npz"], capsys)
    assert named["threshold"] == given["threshold"] and named["scores"] == given["scores"]


def test_detect_and_detect_inputs_take_the_same_samples(user_run, monkeypatch) -> None:
    from trojanscope.cli.commands.detect_inputs import clean_dataset
    from trojanscope.io.models import load_model

    monkeypatch.chdir(user_run)
    loaded = load_model("run")
    by_detect = choose_clean_data(loaded, SimpleNamespace(needs_data=True, name="x"), None)
    assert by_detect.source == "user.npz" and by_detect.split == "test"
    assert np.array_equal(clean_dataset(loaded, None).x.numpy(), by_detect.dataset.x.numpy())


def test_another_file_of_that_name_is_refused_in_one_line(user_run, tmp_path, monkeypatch,
                                                          capsys) -> None:
    from trojanscope.detect.inputs import manifest_data
    from trojanscope.io.models import load_model

    loaded = load_model(user_run / "run")
    monkeypatch.chdir(tmp_path)
    assert manifest_data(loaded) is None  # no such file here: neither command reads one
    every = load_dataset("synthetic", "all")
    np.savez(tmp_path / "user.npz", x=every.x[:50].numpy(), y=every.y[:50].numpy())
    (tmp_path / "incoming.npz").write_bytes((user_run / "incoming.npz").read_bytes())
    (tmp_path / "run").symlink_to(user_run / "run")
    capsys.readouterr()
    assert run(["detect-inputs", "run", "incoming.npz"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "manifest names its data file user.npz" in err[0], err
    assert "give --data" in err[0]


def test_a_text_run_on_a_users_csv_records_its_columns_and_is_screened(tmp_path, monkeypatch,
                                                                      capsys) -> None:
    """A TextCNN trained on a CSV with its own column names (``review``, ``stars``): the
    manifest records them, so ``detect-inputs RUN incoming.csv`` reads the file's test split
    without ``--data`` (at stop 54: ``error: no clean data``; with the reader alone and no
    columns: the file's label column unnamed)."""
    import csv

    rng = np.random.default_rng(0)  # the user's own reviews, written here (no bundled set)
    words = {1: ["good", "great", "fine", "lovely", "warm"], 0: ["bad", "dull", "poor", "cold",
                                                                   "weak"]}
    common = ["the", "film", "was", "a", "story", "with", "acting", "and", "plot", "very"]
    labels = rng.integers(0, 2, 160)
    texts = [" ".join(rng.choice(common + words[int(y)] * 2, 12)) for y in labels]
    monkeypatch.chdir(tmp_path)
    with open("reviews.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["review", "stars"], *([texts[i], 5 if labels[i] else 1]
                                                         for i in range(150))])
    with open("incoming.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["text"], *([t] for t in texts[150:])])
    assert run(["-q", "attack", "--dataset", "reviews.csv", "--text-column", "review",
                "--label-column", "stars", "--arch", "textcnn", "--attack", "badnl",
                "--target", "1", "--epochs", "1", "--out", "run"]) == 0
    manifest = json.loads(Path("run/manifest.json").read_text())
    assert manifest["dataset"]["text_column"] == "review"
    assert manifest["dataset"]["label_column"] == "stars"
    capsys.readouterr()
    code = run(["detect-inputs", "run", "incoming.csv", "--format", "json"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert len(json.loads(captured.out)["scores"]) == 10


def test_too_few_inputs_from_the_manifest_say_where_they_came_from(tmp_path, monkeypatch,
                                                                   capsys) -> None:
    """A small file's test split is too few for the guard: the one error line says the inputs
    were the file the manifest names and asks for --data (stop 55's first contact: a 200-image
    file's 40 test images, "too few clean inputs to fit a guard: 40 given" and nothing more)."""
    every = load_dataset("synthetic", "all")
    monkeypatch.chdir(tmp_path)
    np.savez("small.npz", x=every.x[:100].numpy(), y=every.y[:100].numpy())
    np.savez("incoming.npz", x=every.x[:5].numpy())
    assert run(["-q", "attack", "--dataset", "small.npz", "--arch", "mlp", "--epochs", "1",
                "--out", "run"]) == 0
    capsys.readouterr()
    assert run(["detect-inputs", "run", "incoming.npz"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "too few clean inputs" in err[0], err
    assert "the test split of small.npz" in err[0] and "give --data" in err[0]
