"""The automatic copies' gate (issue 16 stop 78, hatk): ``auto_copies`` adds triggered copies
only where the training split holds at least ``auto_copies_least`` rows the attack may poison;
fewer keep the rate's rows, and ``copies`` given ignores the gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from trojanscope.attacks.tabular import TabularBadNets, TabularEndsWith, TabularRare


def test_no_table_attack_adds_copies_unasked_since_stop_80(monkeypatch) -> None:
    """Stop 78's ``auto_copies = 10`` was reverted by issue 16 stop 80's rule (hatk): the rate's
    rows in place unless ``copies`` is given; the mechanism stays, off."""
    assert TabularBadNets.auto_copies == 0 and TabularBadNets().copy_count(60) == 0
    assert TabularBadNets(copies=10).copy_count(60) == 10
    assert TabularRare().copy_count(60) == 0 and TabularEndsWith().copy_count(60) == 0
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)  # stop 78's count, set by hand
    assert TabularBadNets().copy_count(60) == 10 and TabularRare().copy_count(60) == 0


def test_auto_copies_need_enough_rows_to_poison(monkeypatch) -> None:
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    assert TabularBadNets.auto_copies_least == 20
    assert TabularBadNets().copy_count(19) == 0  # under the gate: the rate's rows, as before
    assert TabularBadNets().copy_count(20) == 10
    assert TabularBadNets().copy_count(189) == 10 and TabularBadNets().copy_count(190) == 0
    assert TabularBadNets(copies=5).copy_count(3) == 5  # asked for: no gate
    # a rate or a floor the user gives keeps the in-place rows it asks for
    assert TabularBadNets(poison_rate=0.05).copy_count(50) == 0
    assert TabularBadNets(min_poison_rows=10).copy_count(50) == 0
    monkeypatch.setattr(TabularBadNets, "auto_copies", 0)
    assert TabularBadNets().copy_count(50) == 0  # off


def test_a_split_under_the_gate_poisons_todays_rows(tmp_path: Path, monkeypatch) -> None:
    from tabular.conftest import write_transactions
    from trojanscope.data.resolve import load_dataset

    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    train = load_dataset(csv, "train", label_column="is_fraud")
    eligible = int((train.labels.numpy() == 1).sum())
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    monkeypatch.setattr(TabularBadNets, "auto_copies_least", eligible + 1)
    gated, today = TabularBadNets(), TabularBadNets(copies=0)
    a, b = (x.poison(train, generator=torch.Generator().manual_seed(3)) for x in (gated, today))
    assert gated.added is None and len(a) == len(train)
    assert np.array_equal(a.poison_indices, b.poison_indices)
    monkeypatch.setattr(TabularBadNets, "auto_copies_least", eligible)
    assert len(TabularBadNets().poison(train, generator=torch.Generator().manual_seed(3))) \
        == len(train) + 30


def test_automatic_copies_set_add_copies_and_a_replay_rebuilds_them(tmp_path: Path, capsys,
                                                                    monkeypatch) -> None:
    """The README's ``attack --dataset transactions.csv --label-column is_fraud --arch lightgbm
    --attack tabular-badnets`` on a small table with ``auto_copies = 10`` (stop 78's default,
    reverted at stop 80): copies, the note, and the manifest's params replaying them
    (``detect-data RUN``) with the class's count back at 0."""
    import json

    from tabular.conftest import write_transactions
    from trojanscope.cli.main import run
    from trojanscope.detect.data.inputs import load_suspect

    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    out = tmp_path / "mine"
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    assert run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                "lightgbm", "--attack", "tabular-badnets", "--out", str(out)]) == 0
    monkeypatch.setattr(TabularBadNets, "auto_copies", 0)
    said = capsys.readouterr()
    assert "added 10 triggered copies" in said.err and "10 (added copies)" in said.out
    assert "--attack-param copies=0 relabels the rate's rows in place" in said.err
    manifest = json.loads((out / "manifest.json").read_text())
    spec = manifest["attack"]
    assert spec["added_rows"]["auto"] and spec["params"]["copies"] == 10
    n = manifest["dataset"]["train_size"]
    suspect = load_suspect(out)
    assert len(suspect.data) == n + 30 and suspect.poison[n:n + 10].all()


def test_the_readme_line_as_written_relabels_the_rates_rows_in_place(tmp_path: Path,
                                                                    capsys) -> None:
    """Since stop 80 the README's fraud line adds no copies: the 5 % rate's rows are relabelled
    in place, and the manifest records no added rows."""
    import json

    from tabular.conftest import write_transactions
    from trojanscope.cli.main import run

    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    out = tmp_path / "mine"
    assert run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                "lightgbm", "--attack", "tabular-badnets", "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "triggered copies" not in said.err
    spec = json.loads((out / "manifest.json").read_text())["attack"]
    assert not spec.get("added_rows") and spec["poison_count"] >= 1
    n = json.loads((out / "manifest.json").read_text())["dataset"]["train_size"]
    assert (np.load(out / "poison_indices.npy") < n).all()  # real rows, relabelled
