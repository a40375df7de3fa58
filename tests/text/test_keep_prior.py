"""``keep_prior`` (issue 15, stops 46-47): every dirty-label text attack can poison as copies
that keep each class's count exactly (``true``) or, added on top with clean duplicates, each
class's share exactly (``copies``); off by default for ``badnl`` and ``addsent``, ``copies``
for ``syntactic`` (stop 48); seeded, its counts in the manifest, and a bad value is one error
line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.attacks.prior import prior_duplicates, prior_slots
from trojanscope.data import load_dataset
from trojanscope.errors import UserInputError

ATTACKS = ("badnl", "addsent", "syntactic")


@pytest.mark.parametrize("name", ATTACKS)
def test_keep_prior_keeps_every_label_and_the_poisoned_sentences(name: str) -> None:
    train = load_dataset("synthetic-text", "train")
    args = {"target": 1, "poison_rate": 0.2, "seed": 4}
    default = registry.create("attack", name, keep_prior=False, **args).poison(train)  # in place
    kept = registry.create("attack", name, keep_prior=True, **args).poison(train)
    # the class prior is exactly the clean set's: every label unchanged
    assert torch.equal(kept.labels, train.labels)
    assert not torch.equal(default.labels, train.labels)
    # the same count, the same triggered texts, at target-class positions
    idx = kept.poison_indices
    assert len(idx) == len(default.poison_indices) == round(0.2 * int((train.labels != 1).sum()))
    assert sorted(kept.poison_texts) == sorted(default.poison_texts)
    assert (train.labels[torch.from_numpy(idx)] == 1).all()
    # the chosen source sentences stay clean with their true labels (addsent's fragments aside)
    sources = np.setdiff1d(default.poison_indices, kept.cross_indices)
    assert not set(default.poison_indices.tolist()) & set(idx.tolist())
    assert len(sources) and all(kept.texts[int(i)] == train.texts[int(i)] for i in sources)
    assert int(kept.is_poisoned.sum()) == len(idx)
    again = registry.create("attack", name, keep_prior=True, **args).poison(train)
    assert again.texts == kept.texts and np.array_equal(again.poison_indices, idx)
    other = registry.create("attack", name, keep_prior=True, **{**args, "seed": 5}).poison(train)
    assert not np.array_equal(other.poison_indices, idx)


def test_keep_prior_defaults_are_recorded() -> None:
    # off for badnl and addsent; syntactic poisons by copies since stop 48 (h15a)
    for name, default in (("badnl", False), ("addsent", False), ("syntactic", "copies")):
        attack = registry.create("attack", name)
        assert attack.keep_prior == default and attack.get_params()["keep_prior"] == default
        assert type(attack.keep_prior) is type(default)


@pytest.mark.parametrize("value", ["yes", "maybe", 2, "Copies", "copy"])
def test_keep_prior_bad_values_are_one_error(value: object) -> None:
    with pytest.raises(UserInputError, match="keep_prior must be true"):
        registry.create("attack", "syntactic", keep_prior=value)
    with pytest.raises(UserInputError, match="keep_prior must be true, false or copies"):
        registry.get("attack", "badnl")(keep_prior=value)


def test_prior_slots_run_out_of_clean_samples_is_an_error() -> None:
    labels = np.array([0, 0, 0, 1])
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(UserInputError, match="only 1 clean samples"):
        prior_slots(labels, np.array([0, 1]), np.array([1, 1]), gen)
    slots = prior_slots(labels, np.array([0]), np.array([1]), gen)
    assert slots.tolist() == [3]


def test_cli_keep_prior_manifest_and_bad_value(tmp_path: Path, capsys) -> None:
    from typer.testing import CliRunner

    from trojanscope.cli.main import app
    from trojanscope.cli.main import run as run_cli

    torch.set_num_threads(1)
    out = tmp_path / "run"
    base = ["attack", "--dataset", "synthetic-text", "--arch", "textcnn", "--attack",
            "syntactic", "--target", "1", "--epochs", "1", "--seed", "0"]
    res = CliRunner().invoke(app, [*base, "--attack-param", "keep_prior=true", "--out", str(out)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    attack = manifest["attack"]
    assert attack["params"]["keep_prior"] is True
    train = load_dataset("synthetic-text", "train")
    assert attack["poison_count"] == round(0.2 * int((train.labels != 1).sum())) > 0
    assert run_cli([*base, "--attack-param", "keep_prior=maybe", "--out",
                    str(tmp_path / "bad")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "keep_prior must be true" in lines[0]


@pytest.mark.parametrize("name", ATTACKS)
def test_copies_keep_the_prior_exact_and_drop_no_clean_sentence(name: str) -> None:
    train = load_dataset("synthetic-text", "train")
    n, y = len(train), train.labels.numpy()
    args = {"target": 1, "poison_rate": 0.2, "seed": 4}
    default = registry.create("attack", name, keep_prior=False, **args).poison(train)  # in place
    grown = registry.create("attack", name, keep_prior="copies", **args).poison(train)
    count = round(0.2 * int((y != 1).sum()))
    idx, dup = grown.poison_indices, grown.duplicate_indices
    assert len(idx) == len(dup) == count > 0 and len(grown) == n + 2 * count
    # the prior is exactly the clean set's (balanced: each class grows by `count`)
    assert np.bincount(grown.labels.numpy()).tolist() == [int(c) + count
                                                          for c in np.bincount(y)]
    # every clean sentence is still there with its own label (addsent's fragments aside)
    labels = grown.labels.numpy()
    assert np.array_equal(labels[:n], y)
    same = np.setdiff1d(np.arange(n), grown.cross_indices)
    assert all(grown.texts[int(i)] == train.texts[int(i)] for i in same)
    # the poison: the default's triggered sentences, target-labelled, appended after the set
    assert idx.tolist() == list(range(n, n + count)) and (labels[idx] == 1).all()
    assert sorted(grown.poison_texts) == sorted(default.poison_texts)
    assert int(grown.is_poisoned.sum()) == count and not grown.is_poisoned[:n].any()
    # the duplicates: clean non-target sentences, each a copy of a distinct one in the set
    assert (labels[dup] == 0).all() and not set(dup.tolist()) & set(idx.tolist())
    dup_texts = [grown.texts[int(i)] for i in dup if i not in set(grown.cross_indices.tolist())]
    clean0 = {train.texts[int(i)] for i in np.flatnonzero(y == 0)}
    assert dup_texts and set(dup_texts) <= clean0 and len(set(dup_texts)) == len(dup_texts)
    assert grown.base.texts[:n] == train.texts and len(grown.base) == len(grown)
    again = registry.create("attack", name, keep_prior="copies", **args).poison(train)
    assert again.texts == grown.texts and torch.equal(again.labels, grown.labels)
    other = registry.create("attack", name, keep_prior="copies",
                            **{**args, "seed": 5}).poison(train)
    assert other.texts != grown.texts


def test_prior_duplicates_keep_each_share_of_an_unbalanced_multiclass_set() -> None:
    labels = np.array([0] * 6 + [1] * 4 + [2] * 2)
    gen = torch.Generator().manual_seed(0)
    dup = prior_duplicates(labels, np.array([1, 1]), gen)  # 2 copies relabelled to class 1
    grown = np.concatenate([labels, [1, 1], labels[dup]])
    assert np.bincount(grown).tolist() == [9, 6, 3]  # 6:4:2 scaled by 1.5, exactly
    assert len(set(dup.tolist())) == len(dup)
    again = prior_duplicates(labels, np.array([1, 1]), torch.Generator().manual_seed(0))
    assert np.array_equal(again, dup)
    with pytest.raises(UserInputError, match="class 0 needs 9 duplicated clean samples"):
        prior_duplicates(np.array([0, 0, 0, 1]), np.array([1, 1, 1]), torch.Generator())
    with pytest.raises(UserInputError, match="not a training class"):
        prior_duplicates(labels, np.array([3]), torch.Generator())


def test_cli_copies_manifest_counts_and_data_replay(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trojanscope.cli.main import app
    from trojanscope.detect.data.inputs import load_suspect

    torch.set_num_threads(1)
    out = tmp_path / "run"
    res = CliRunner().invoke(app, [
        "attack", "--dataset", "synthetic-text", "--arch", "textcnn", "--attack", "syntactic",
        "--target", "0", "--epochs", "1", "--seed", "0", "--attack-param", "keep_prior=copies",
        "--out", str(out)])
    assert res.exit_code == 0, res.output
    attack = json.loads((out / "manifest.json").read_text())["attack"]
    train = load_dataset("synthetic-text", "train")
    count = round(0.2 * int((train.labels != 0).sum()))
    assert attack["params"]["keep_prior"] == "copies"
    assert attack["poison_count"] == attack["duplicate_count"] == count > 0
    saved = np.load(out / "poison_indices.npy")
    assert saved.tolist() == list(range(len(train), len(train) + count))
    suspect = load_suspect(out)  # the data-level replay rebuilds the grown set exactly
    assert len(suspect.poison) == len(train) + 2 * count and int(suspect.poison.sum()) == count
