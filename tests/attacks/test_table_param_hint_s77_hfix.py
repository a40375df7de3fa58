"""A table attack's parameter given to an image or text attack is refused naming the table
attacks that take it (stop 77 first contact, hcmd's (3): ``--attack-param min_poison_rows=10``
on an image set read only "has no parameter(s) min_poison_rows")."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError


@pytest.mark.parametrize(("attack", "param", "kind"), [
    ("badnets", "min_poison_rows", "image"), ("blended", "copies", "image"),
    ("badnl", "pair_copies", "text")])
def test_a_table_parameter_names_the_table_attacks(attack: str, param: str, kind: str) -> None:
    with pytest.raises(UserInputError) as caught:
        registry.create("attack", attack, **{param: 3})
    words = str(caught.value)
    assert words.startswith(f"attack {attack!r} has no parameter(s) {param}; valid: ")
    assert f"; {param} belong(s) to the table attacks (tabular-badnets, " in words
    assert words.endswith(f"which poison a CSV or Parquet table, not to {kind} attacks")
    # the clean-label table attack adds no copies: not named for them
    assert ("tabular-clean-label" in words) == (param == "min_poison_rows")


def test_a_parameter_no_attack_takes_gets_no_table_words() -> None:
    with pytest.raises(UserInputError) as caught:
        registry.create("attack", "badnets", nope=1)
    assert "table attacks" not in str(caught.value)
    with pytest.raises(UserInputError) as caught:  # a table attack's own refusal: unchanged
        registry.create("attack", "tabular-badnets", size=3)
    assert "table attacks" not in str(caught.value)


def test_the_cli_refuses_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = run(["attack", "--dataset", "mnist", "--arch", "mlp", "--attack-param",
                "min_poison_rows=10", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "belong(s) to the table attacks" in err[0]
    assert not (tmp_path / "run").exists()
