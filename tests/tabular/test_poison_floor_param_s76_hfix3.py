"""hatk's poisoned-row floor as an attack parameter (stop 76 hfix3; hrev's "named" (2)): off by
default (its rule was not met), ``-p min_poison_rows=N`` turns it on for one attack, and a value
out of range is refused in one line (exit 2). Before, only a monkeypatch could turn it on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.errors import UserInputError


def _labels(eligible: int, rest: int = 300) -> np.ndarray:
    return np.array([1] * eligible + [0] * rest)  # target 0: the other rows are eligible


@pytest.mark.parametrize("name", ["tabular-badnets", "tabular-subpopulation",
                                  "tabular-conjunction"])
def test_the_parameter_sets_the_floor(name: str) -> None:
    attack = registry.create("attack", name, min_poison_rows=10)
    assert attack.min_poison_rows == 10 and attack.get_params()["min_poison_rows"] == 10
    off = registry.create("attack", name)
    assert off.min_poison_rows == 0 and off.get_params()["min_poison_rows"] == 0


def test_the_floor_poisons_its_rows_and_a_given_rate_keeps_its_own() -> None:
    y = _labels(38)  # 5 % of 38 is 2
    idx = registry.create("attack", "tabular-badnets", min_poison_rows=10).choose(
        y, torch.Generator().manual_seed(3))
    assert len(idx) == 10 and set(y[idx]) == {1}
    given = registry.create("attack", "tabular-badnets", min_poison_rows=10, poison_rate=0.05)
    assert len(given.choose(y, torch.Generator().manual_seed(3))) == 2


@pytest.mark.parametrize("bad", [-1, 2.5, 10**7])
def test_out_of_range_is_refused_in_one_line(bad) -> None:
    with pytest.raises(UserInputError) as err:
        registry.create("attack", "tabular-badnets", min_poison_rows=bad)
    assert "min_poison_rows" in str(err.value) and "\n" not in str(err.value)


def test_the_attack_line_takes_the_floor(tmp_path: Path, capsys) -> None:
    from tabular.conftest import write_transactions
    from trojanscope.cli.main import run

    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    base = ["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch", "lightgbm",
            "--attack", "tabular-badnets"]
    assert run([*base, "--attack-param", "min_poison_rows=-1", "--out", str(tmp_path / "no")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "min_poison_rows" in err, err
    assert not (tmp_path / "no").exists()
    out = tmp_path / "mine"
    assert run([*base, "--attack-param", "min_poison_rows=10", "--out", str(out)]) == 0
    assert "poisoned 10 rows instead" in capsys.readouterr().err
    spec = json.loads((out / "manifest.json").read_text())["attack"]
    assert spec["poison_count"] == 10 and spec["params"]["min_poison_rows"] == 10
