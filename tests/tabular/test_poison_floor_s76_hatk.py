"""The README's fraud attack poisons enough rows to take (issue 16 stop 76, hatk): the default
rate of ``tabular-badnets`` poisons at least ``min_poison_rows`` rows (or half the rows it may
poison where that is fewer), says so, and refuses in one line a table that cannot hold
``least_poison_rows``; a rate the user gives is kept as given."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.attacks.base import Attack
from trojanscope.attacks.tabular import TabularBadNets
from trojanscope.cli.experiment_opts import floor_notes
from trojanscope.errors import UserInputError

AIM = 10  # the candidate's floor (benchmarks/data/tabular_s76_hatk/rule.md)


@pytest.fixture()
def floor(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(TabularBadNets, "min_poison_rows", AIM)
    return AIM


def labels(eligible: int, rest: int = 300) -> np.ndarray:
    return np.array([1] * eligible + [0] * rest)  # target 0: the fraud rows are eligible


def gen() -> torch.Generator:
    return torch.Generator().manual_seed(3)


def test_the_default_rate_poisons_the_floor_on_a_small_table(floor: int) -> None:
    attack = TabularBadNets()
    y = labels(38)  # 5 % of 38 is 2
    idx = attack.choose(y, gen())
    assert len(idx) == floor and set(y[idx]) == {1} and len(set(idx)) == floor
    assert attack.floored == {"floor": floor, "rate_count": 2, "eligible": 38}
    half = TabularBadNets()
    assert len(half.choose(labels(13), gen())) == 6  # half of 13, under the floor
    assert half.floored == {"floor": 6, "rate_count": 1, "eligible": 13}


def test_a_given_rate_and_a_large_table_poison_todays_rows(floor: int) -> None:
    y = labels(38)
    given = TabularBadNets(poison_rate=0.05)
    assert np.array_equal(given.choose(y, gen()), Attack.choose(given, y, gen()))
    assert given.floored is None and len(given.choose(y, gen())) == 2
    big = labels(40 * floor, rest=500)  # the default rate reaches the floor: today's rows
    attack = TabularBadNets()
    assert np.array_equal(attack.choose(big, gen()), Attack.choose(attack, big, gen()))
    assert attack.floored is None


def test_a_table_that_cannot_hold_the_least_is_refused_in_one_line(floor: int) -> None:
    least = TabularBadNets.least_poison_rows
    with pytest.raises(UserInputError) as err:
        TabularBadNets().choose(labels(2 * least - 1), gen())
    said = str(err.value)
    assert f"needs at least {2 * least} training rows" in said and "\n" not in said
    assert f"holds {2 * least - 1}" in said and "--poison-rate" in said
    assert len(TabularBadNets().choose(labels(2 * least), gen())) == least


def test_the_note_says_what_the_floor_did() -> None:
    (note,) = floor_notes({"poison_rate": 0.05, "poison_floor": {"floor": AIM,
                                                                 "rate_count": 1, "eligible": 24}})
    assert "0.05 of the 24 training rows" in note and "gives 1 row," in note  # stop 77
    assert f"poisoned {AIM} rows instead" in note
    assert floor_notes({"poison_rate": 0.05}) == [] and floor_notes({}) == []


def test_the_attack_line_records_the_floor_or_refuses(floor: int, tmp_path: Path, capsys) -> None:
    from tabular.conftest import write_transactions
    from trojanscope.cli.main import run

    def attack(csv: Path, out: Path) -> int:
        return run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                    "lightgbm", "--attack", "tabular-badnets", "--out", str(out)])

    out = tmp_path / "mine"
    assert attack(write_transactions(tmp_path / "tx.csv", n=200, seed=1), out) == 0
    said = capsys.readouterr().err
    assert "gives 2 rows, too few" in said and f"poisoned {floor} rows instead" in said
    spec = json.loads((out / "manifest.json").read_text())["attack"]
    assert spec["poison_count"] == floor == spec["poison_floor"]["floor"]
    assert len(np.load(out / "poison_indices.npy")) == floor
    assert attack(write_transactions(tmp_path / "few.csv", n=30, seed=1), tmp_path / "no") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "needs at least 10 training rows" in err
    assert not (tmp_path / "no").exists()


def test_the_floor_is_off_by_default() -> None:
    """The rule on fresh fraud tables 6300-6319 was not met (docs/benchmarks.md, issue 16 stop
    76: hatk): the default rate poisons today's rows, however few."""
    assert TabularBadNets.min_poison_rows == 0
    attack, y = TabularBadNets(), labels(38)
    assert np.array_equal(attack.choose(y, gen()), Attack.choose(attack, y, gen()))
    assert attack.floored is None and len(attack.choose(y, gen())) == 2
