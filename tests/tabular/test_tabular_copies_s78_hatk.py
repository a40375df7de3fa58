"""The automatic copies' gate (issue 16 stop 78, hatk): ``auto_copies`` adds triggered copies
only where the training split holds at least ``auto_copies_least`` rows the attack may poison;
fewer keep the rate's rows, and ``copies`` given ignores the gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from trojanscope.attacks.tabular import TabularBadNets


def test_auto_copies_need_enough_rows_to_poison(monkeypatch) -> None:
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    assert TabularBadNets.auto_copies_least == 20
    assert TabularBadNets().copy_count(19) == 0  # under the gate: the rate's rows, as before
    assert TabularBadNets().copy_count(20) == 10
    assert TabularBadNets().copy_count(189) == 10 and TabularBadNets().copy_count(190) == 0
    assert TabularBadNets(copies=5).copy_count(3) == 5  # asked for: no gate
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
