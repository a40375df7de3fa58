"""``syntactic`` poisons by copies by default (issue 15, stop 48, h15a): the triggered,
relabelled sentences are added and clean non-target sentences duplicated, so the class prior is
kept; ``keep_prior=off`` (or ``false``) gives the old in-place relabelling exactly; both are
seeded. The CLI run's manifest records the default placement and its counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from trojanscope import registry
from trojanscope.data import load_dataset

ARGS = {"target": 1, "poison_rate": 0.2, "seed": 4}


def test_default_placement_is_copies_with_the_prior_kept() -> None:
    train = load_dataset("synthetic-text", "train")
    n, y = len(train), train.labels.numpy()
    count = round(0.2 * int((y != 1).sum()))
    default = registry.create("attack", "syntactic", **ARGS).poison(train)
    copies = registry.create("attack", "syntactic", keep_prior="copies", **ARGS).poison(train)
    assert default.texts == copies.texts and torch.equal(default.labels, copies.labels)
    assert len(default) == n + 2 * count and count > 0
    assert default.poison_indices.tolist() == list(range(n, n + count))
    assert len(default.duplicate_indices) == count
    assert np.array_equal(default.labels.numpy()[:n], y)  # no clean sentence relabelled
    assert np.bincount(default.labels.numpy()).tolist() == [int(c) + count
                                                            for c in np.bincount(y)]


def test_off_gives_the_old_in_place_relabelling() -> None:
    train = load_dataset("synthetic-text", "train")
    n, y = len(train), train.labels.numpy()
    off = registry.create("attack", "syntactic", keep_prior="off", **ARGS).poison(train)
    false = registry.create("attack", "syntactic", keep_prior=False, **ARGS).poison(train)
    assert off.texts == false.texts and torch.equal(off.labels, false.labels)
    assert np.array_equal(off.poison_indices, false.poison_indices)
    assert registry.create("attack", "syntactic", keep_prior="off").keep_prior is False
    idx = off.poison_indices
    assert len(off) == n and len(idx) == round(0.2 * int((y != 1).sum()))
    assert (y[idx] == 0).all() and (off.labels.numpy()[idx] == 1).all()  # relabelled in place
    assert len(off.duplicate_indices) == 0


def test_default_is_deterministic_with_the_seed() -> None:
    train = load_dataset("synthetic-text", "train")
    first = registry.create("attack", "syntactic", **ARGS).poison(train)
    again = registry.create("attack", "syntactic", **ARGS).poison(train)
    assert first.texts == again.texts and torch.equal(first.labels, again.labels)
    assert np.array_equal(first.duplicate_indices, again.duplicate_indices)
    other = registry.create("attack", "syntactic", **{**ARGS, "seed": 5}).poison(train)
    assert other.texts != first.texts


def test_zoo_draws_keep_the_in_place_placement() -> None:
    params = registry.get("attack", "syntactic").sample_params(np.random.default_rng(0))
    assert params["keep_prior"] is False
    assert registry.create("attack", "syntactic", **params).keep_prior is False


def test_cli_default_and_off_manifests(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trojanscope.cli.main import app

    torch.set_num_threads(1)
    train = load_dataset("synthetic-text", "train")
    n, count = len(train), round(0.2 * int((train.labels != 1).sum()))
    base = ["attack", "--dataset", "synthetic-text", "--arch", "textcnn", "--attack",
            "syntactic", "--target", "1", "--epochs", "1", "--seed", "0", "--no-export"]
    runs = {"default": [], "off": ["--attack-param", "keep_prior=off"]}
    for name, extra in runs.items():
        res = CliRunner().invoke(app, [*base, *extra, "--out", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    default = json.loads((tmp_path / "default" / "manifest.json").read_text())["attack"]
    assert default["params"]["keep_prior"] == "copies"
    assert default["poison_count"] == default["duplicate_count"] == count > 0
    saved = np.load(tmp_path / "default" / "poison_indices.npy")
    assert saved.tolist() == list(range(n, n + count))
    off = json.loads((tmp_path / "off" / "manifest.json").read_text())["attack"]
    assert off["params"]["keep_prior"] is False and off["poison_count"] == count
    assert not off.get("duplicate_count")
    assert np.load(tmp_path / "off" / "poison_indices.npy").max() < n
