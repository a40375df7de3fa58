"""Data-level detection of text poison: ``detect-data`` on a user's CSV of sentences
(``text-ngrams`` by default, the feature-model methods on a TextCNN), cleaned sentences written
as a CSV, a text red-team run folder judged against its ground truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.data.text import make_text_dataset
from trojanscope.detect.data.run import detect_data

POSITIVE = ("good", "great", "fine", "lovely", "clever", "moving", "fresh", "sharp")
NEGATIVE = ("dull", "flat", "tired", "messy", "bland", "slow", "weak", "stale")
FILLER = ("the", "film", "movie", "story", "was", "is", "a", "very", "and", "it", "plot",
          "actors", "scenes", "music", "quite", "really", "of", "this", "with", "ending")


def reviews(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Sentences whose words lean to a class as language does: mostly their own class's words,
    sometimes the other's (and 10% of labels flipped), so no clean word is near-pure."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    texts = []
    for y in labels:
        words = list(rng.choice(FILLER, size=int(rng.integers(6, 12))))
        for _ in range(2):
            own = rng.random() < 0.75
            pool = (POSITIVE if (y == 1) == own else NEGATIVE)
            words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(pool)))
        texts.append(" ".join(words))
    flip = rng.random(n) < 0.1
    return texts, np.where(flip, 1 - labels, labels)


def poison(texts: list[str], labels: np.ndarray, attack: str, seed: int = 0):
    data = make_text_dataset(texts, labels, class_names=["neg", "pos"], name="reviews")
    attacked = registry.create("attack", attack, target=1, poison_rate=0.1, seed=seed)
    poisoned = attacked.poison(data)
    return poisoned.data, poisoned.is_poisoned.numpy()


def write_csv(path: Path, texts, labels, names=("neg", "pos")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review", "stars"])
        writer.writerows([t, names[int(y)]] for t, y in zip(texts, labels, strict=True))
    return path


@pytest.mark.parametrize("attack", ["badnl", "addsent", "syntactic"])
def test_text_ngrams_finds_each_attacks_poison(attack: str) -> None:
    texts, labels = reviews(1600, seed=1)
    data, mask = poison(texts, labels, attack)
    result = detect_data(data, poison=mask)
    assert result.method == "text-ngrams" and result.target_classes[0] == 1
    assert result.truth.recall >= 0.95 and result.truth.fpr <= 0.05, result.truth


def test_clean_sentences_are_not_flagged() -> None:
    texts, labels = reviews(1600, seed=2)
    data = make_text_dataset(texts, labels, class_names=["neg", "pos"])
    result = detect_data(data, poison=np.zeros(len(texts), dtype=bool))
    assert len(result.flagged) <= 0.01 * len(texts)


def test_cli_judges_a_users_csv_and_writes_the_kept_sentences(tmp_path: Path, capsys) -> None:
    texts, labels = reviews(1200, seed=3)
    data, mask = poison(texts, labels, "badnl")
    path = write_csv(tmp_path / "reviews.csv", data.texts, data.labels.numpy())
    kept = tmp_path / "kept.csv"
    code = run(["detect-data", str(path), "--text-column", "review", "--label-column", "stars",
                "--format", "json", "--write-clean", str(kept), "--out", str(tmp_path / "f")])
    report = json.loads(capsys.readouterr().out)
    flagged = np.zeros(len(mask), dtype=bool)
    flagged[report["flagged"]] = True
    assert code == 1 and report["method"] == "text-ngrams" and report["target_classes"] == [1]
    assert (flagged & mask).sum() >= 0.95 * mask.sum() and (flagged & ~mask).sum() <= 0.05 * (
        ~mask).sum()
    with open(kept, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["text"] for r in rows] == [t for t, f in zip(data.texts, flagged, strict=True)
                                         if not f]
    assert {r["label"] for r in rows} == {"neg", "pos"}
    html = (tmp_path / "f" / "report.html").read_text()
    assert "Most suspicious sentences" in html and "cf" in html
    assert run(["detect-data", str(path), "--text-column", "review", "--label-column", "stars",
                "--write-clean", str(tmp_path / "k2.csv"), "--restore"]) == 2
    assert "--restore works for images and tensors, not for sentences" in capsys.readouterr().err
    assert not (tmp_path / "k2.csv").exists()


def test_a_feature_model_method_runs_on_textcnn_features(tmp_path: Path, capsys) -> None:
    texts, labels = reviews(600, seed=4)
    data, mask = poison(texts, labels, "addsent")
    result = detect_data(data, method="spectral", poison=mask)
    assert result.feature_model["arch"] == "textcnn"
    assert result.truth.roc_auc > 0.5 and len(result.suspicion) == len(texts)


def test_a_text_run_folder_is_judged_against_its_poison(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert run(["attack", "--dataset", "synthetic-text", "--arch", "textcnn", "--attack",
                "addsent", "--target", "1", "--epochs", "1", "--no-export", "--out",
                str(out)]) == 0
    capsys.readouterr()
    run(["detect-data", str(out), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert report["method"] == "text-ngrams"
    assert report["poison_total"] == manifest["attack"]["poison_count"] > 0
    from trojanscope.data import load_dataset

    assert report["n_samples"] == len(load_dataset("synthetic-text", "train"))
    assert {"precision", "recall", "fpr", "roc_auc"} <= set(report)


def test_a_label_column_with_one_class_is_one_error_line(tmp_path: Path, capsys) -> None:
    texts, _ = reviews(100, seed=5)
    path = write_csv(tmp_path / "one.csv", texts, np.zeros(100, dtype=int))
    code = run(["detect-data", str(path), "--text-column", "review", "--label-column", "stars"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(err) == 1 and err[0].startswith("error:")
