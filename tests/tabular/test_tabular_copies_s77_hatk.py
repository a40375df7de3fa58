"""Triggered copies for tabular poisoning (issue 16 stop 77, hatk): ``copies=N`` adds N
triggered copies of rows of a class other than the target, labelled with the target, after the
training split's last row, and keeps every real row and label; ``auto_copies`` makes it what the
default rate does where that rate would relabel fewer rows. The manifest records the copies and
a replay (``detect-data RUN``) rebuilds the same rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular import TabularBadNets
from trojanscope.cli.experiment_opts import copies_notes, untaken_notes
from trojanscope.errors import UserInputError


@pytest.fixture()
def train(tmp_path: Path):
    from tabular.conftest import write_transactions
    from trojanscope.data.resolve import load_dataset

    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    return load_dataset(csv, "train", label_column="is_fraud")


def gen() -> torch.Generator:
    return torch.Generator().manual_seed(3)


def test_copies_are_added_and_every_real_row_keeps_its_label(train) -> None:
    n, y = len(train), train.labels.numpy()
    attack = TabularBadNets(copies=7, pair_copies=0)
    poisoned = attack.poison(train, generator=gen())
    assert len(poisoned) == n + 7
    assert np.array_equal(poisoned.poison_indices, np.arange(n, n + 7))
    labels = poisoned.labels.numpy()
    assert np.array_equal(labels[:n], y) and set(labels[n:]) == {0}
    x_real, _ = poisoned.get_batch(torch.arange(n))
    assert torch.equal(x_real, train.get_batch(torch.arange(n))[0])  # no real row triggered
    sources = np.array(attack.added["sources"])
    assert len(set(sources)) == 7 and set(y[sources]) == {1}
    x_add, _ = poisoned.get_batch(torch.arange(n, n + 7))
    want = attack.trigger.apply(train.get_batch(torch.from_numpy(np.sort(sources)))[0])
    assert torch.equal(torch.sort(x_add, 0).values, torch.sort(want, 0).values)
    assert attack.added["copies"] == 7 and attack.added["train_rows"] == n
    assert attack.added["eligible"] == int((y == 1).sum()) and not attack.added["auto"]


def test_paired_copies_add_a_clean_copy_of_each_source(train) -> None:
    n = len(train)
    attack = TabularBadNets(copies=7)  # pair_copies: 2 by default
    poisoned = attack.poison(train, generator=gen())
    assert len(poisoned) == n + 21 and attack.added["paired"] == 14
    assert np.array_equal(poisoned.poison_indices, np.arange(n, n + 7))
    assert np.array_equal(poisoned.duplicate_indices, np.arange(n + 7, n + 21))
    labels = poisoned.labels.numpy()
    assert set(labels[n:n + 7]) == {0} and set(labels[n + 7:]) == {1}
    x, _ = poisoned.get_batch(torch.arange(n + 21))
    sources = np.sort(attack.added["sources"])
    for part in (x[n + 7:n + 14], x[n + 14:]):
        assert torch.equal(torch.sort(part, 0).values,
                           torch.sort(train.get_batch(torch.from_numpy(sources))[0], 0).values)
        assert torch.equal(attack.trigger.apply(part), x[n:n + 7])  # the same rows, triggered


def test_more_copies_than_rows_use_every_row_before_repeating(train) -> None:
    eligible = int((train.labels.numpy() == 1).sum())
    attack = TabularBadNets(copies=eligible + 3, pair_copies=0)
    attack.poison(train, generator=gen())
    counts = np.bincount(attack.added["sources"])
    assert counts.max() == 2 and (counts == 2).sum() == 3 and (counts > 0).sum() == eligible


def test_auto_copies_only_where_the_default_rate_relabels_fewer(train, monkeypatch) -> None:
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    y = train.labels.numpy()
    auto = TabularBadNets()  # 5 % of the fraud rows: under 10, so 10 copies
    poisoned = auto.poison(train, generator=gen())
    assert len(poisoned) == len(y) + 30 and auto.added["auto"] and auto.added["paired"] == 20
    assert auto.added["rate_count"] == round(0.05 * (y == 1).sum())
    assert auto.get_params()["copies"] == 10  # the manifest replays these rows
    given = TabularBadNets(poison_rate=0.05)  # a rate given is kept as given: in place
    today = TabularBadNets(copies=0)
    a, b = given.poison(train, generator=gen()), today.poison(train, generator=gen())
    assert given.added is None and len(a) == len(y)
    assert np.array_equal(a.poison_indices, b.poison_indices)
    assert TabularBadNets(target=1).copy_count(200) == 0  # 5 % of 200 rows reaches 10


def test_a_clean_label_attack_and_a_bad_count_are_refused_in_one_line() -> None:
    from trojanscope import registry

    with pytest.raises(UserInputError) as err:
        registry.create("attack", "tabular-clean-label", copies=5)
    assert "copies" in str(err.value) and "\n" not in str(err.value)
    for key, bad in (("copies", -1), ("copies", 2.5), ("pair_copies", -1), ("pair_copies", 101)):
        with pytest.raises(UserInputError) as err:
            registry.create("attack", "tabular-badnets", **{key: bad})
        assert key in str(err.value) and "\n" not in str(err.value)
    for name in ("tabular-subpopulation", "tabular-conjunction"):
        assert registry.create("attack", name, copies=4).get_params()["copies"] == 4


def test_the_notes_say_what_was_added() -> None:
    spec = {"poison_rate": 0.05, "target": 0, "added_rows": {
        "copies": 10, "train_rows": 240, "eligible": 69, "rate_count": 3, "auto": True,
        "paired": 20}}
    (note,) = copies_notes(spec)
    assert "added 10 triggered copies of the 69 training rows" in note
    assert "labelled 0, with 2 clean copies of each (20 rows, labels kept)" in note
    assert "labelled 0" in note and "240-row training split" in note
    assert "would have relabelled 3" in note
    (asked,) = copies_notes({**spec, "added_rows": {**spec["added_rows"], "auto": False}})
    assert "relabelled" not in asked and copies_notes({"poison_rate": 0.05}) == []
    metrics = {"n_flippable": 5, "flip_rate": 0.2}
    assert "copies=N" in untaken_notes(metrics, copies=True)[0]
    assert "--poison-rate" in untaken_notes(metrics)[0]


def test_the_attack_line_records_the_copies_and_a_replay_rebuilds_them(tmp_path: Path,
                                                                       capsys) -> None:
    from tabular.conftest import write_transactions
    from trojanscope.cli.main import run
    from trojanscope.detect.data.inputs import load_suspect

    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    out = tmp_path / "mine"
    assert run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                "lightgbm", "--attack", "tabular-badnets", "--attack-param", "copies=10",
                "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "added 10 triggered copies" in said.err and "10 (added copies)" in said.out
    assert "labelled 0, with 2 clean copies of each (20 rows, labels kept)" in said.err
    manifest = json.loads((out / "manifest.json").read_text())
    spec = manifest["attack"]
    assert spec["poison_count"] == 10 and spec["added_rows"]["copies"] == 10
    assert spec["duplicate_count"] == 20 and spec["params"]["pair_copies"] == 2
    n = manifest["dataset"]["train_size"]
    assert np.array_equal(np.load(out / "poison_indices.npy"), np.arange(n, n + 10))
    suspect = load_suspect(out)  # replays the manifest's attack: the same rows, exactly
    assert len(suspect.data) == n + 30 and suspect.poison.sum() == 10
    assert suspect.poison[n:n + 10].all()


def test_a_floored_run_is_replayed_with_its_floor(tmp_path: Path) -> None:
    """Stop 76's opt-in floor recorded the default rate as given, so ``detect-data RUN``
    replayed it without the floor and refused the run ("cannot be rebuilt exactly")."""
    from tabular.conftest import write_transactions
    from trojanscope.cli.main import run
    from trojanscope.detect.data.inputs import load_suspect

    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    out = tmp_path / "floored"
    assert run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                "lightgbm", "--attack", "tabular-badnets", "--attack-param",
                "min_poison_rows=10", "--out", str(out)]) == 0
    spec = json.loads((out / "manifest.json").read_text())["attack"]
    assert spec["params"]["poison_rate"] is None and spec["poison_rate"] == 0.05
    assert load_suspect(out).poison.sum() == 10


def test_a_rate_or_floor_given_beside_copies_is_said_unused(train) -> None:
    """``copies=10 --poison-rate 0.2``: the rate is recorded in the manifest but not applied;
    the note says so (stop 77 read-through, hrev: the run said nothing of it)."""
    attack = TabularBadNets(copies=7, poison_rate=0.2, min_poison_rows=10)
    attack.poison(train, generator=gen())
    assert attack.added["unused"] == ["--poison-rate", "min_poison_rows"]
    spec = {"poison_rate": 0.2, "target": 0, "added_rows": attack.added}
    (note,) = copies_notes(spec)
    assert note.endswith("; --poison-rate and min_poison_rows, given, are not used: copies add "
                         "rows and relabel none")
    plain = TabularBadNets(copies=7, poison_rate=0.2)
    plain.poison(train, generator=gen())
    (note,) = copies_notes({**spec, "added_rows": plain.added})
    assert note.endswith("; --poison-rate, given, is not used: copies add rows and relabel none")
    alone = TabularBadNets(copies=7)
    alone.poison(train, generator=gen())
    assert "unused" not in alone.added
