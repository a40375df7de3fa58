"""``keep_prior`` (issue 15, stop 46): every dirty-label text attack can poison as copies that
keep each class's count exactly; off by default, seeded, its poisoned count in the manifest,
and a bad value is one error line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.attacks.prior import prior_slots
from trojanscope.data import load_dataset
from trojanscope.errors import UserInputError

ATTACKS = ("badnl", "addsent", "syntactic")


@pytest.mark.parametrize("name", ATTACKS)
def test_keep_prior_keeps_every_label_and_the_poisoned_sentences(name: str) -> None:
    train = load_dataset("synthetic-text", "train")
    args = {"target": 1, "poison_rate": 0.2, "seed": 4}
    default = registry.create("attack", name, **args).poison(train)
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


def test_keep_prior_is_off_by_default_and_recorded() -> None:
    for name in ATTACKS:
        attack = registry.create("attack", name)
        assert attack.keep_prior is False and attack.get_params()["keep_prior"] is False


@pytest.mark.parametrize("value", ["yes", "maybe", 2])
def test_keep_prior_bad_values_are_one_error(value: object) -> None:
    with pytest.raises(UserInputError, match="keep_prior must be true"):
        registry.create("attack", "syntactic", keep_prior=value)
    with pytest.raises(UserInputError, match="keep_prior must be true or false"):
        registry.get("attack", "badnl")(keep_prior=value)


def test_prior_slots_run_out_of_clean_samples_is_an_error() -> None:
    labels = np.array([0, 0, 0, 1])
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(UserInputError, match="only 1 clean samples"):
        prior_slots(labels, np.array([0, 1]), np.array([1, 1]), gen)
    slots = prior_slots(labels, np.array([0]), np.array([1]), gen)
    assert slots.tolist() == [3]


def test_cli_keep_prior_manifest_and_bad_value(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trojanscope.cli.main import app

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
    bad = subprocess.run([sys.executable, "-m", "trojanscope", *base, "--attack-param",
                          "keep_prior=maybe", "--out", str(tmp_path / "bad")],
                         capture_output=True, text=True, timeout=120)
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode == 2 and len(lines) == 1 and "keep_prior must be true" in lines[0]
