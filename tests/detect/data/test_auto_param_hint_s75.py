"""Stop 75 (hrev): a parameter of the method ``auto`` runs on a table (``label-groups``) or on
sentences (``text-ngrams``), given to ``auto``, is refused with where it belongs:
docs/tabular.md's ``-p covers=2`` after the default ``detect-data`` line listed ``auto``'s 29
image parameters only."""

from __future__ import annotations

import pytest

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError


@pytest.mark.parametrize(("params", "belongs"), [
    ({"covers": 2}, "covers belong(s) to label-groups, which auto runs on a table: give "
                    "--method label-groups"),
    ({"min_count": 3}, "min_count belong(s) to text-ngrams, which auto runs on sentences"),
])
def test_auto_names_the_method_a_parameter_belongs_to(params, belongs) -> None:
    for method in ("auto", "auto-features"):
        with pytest.raises(UserInputError, match="has no parameter") as err:
            registry.create("data-detector", method, **params)
        assert belongs in str(err.value), err.value


def test_an_unknown_parameter_anywhere_gets_no_hint() -> None:
    with pytest.raises(UserInputError) as err:
        registry.create("data-detector", "auto", covers=2, nonsense=1)
    assert "belong" not in str(err.value)


def test_the_console_refuses_in_one_line(tmp_path, capsys) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a,label\n1,0\n2,1\n")
    code = run(["detect-data", str(table), "--label-column", "label", "-p", "covers=2"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "give --method label-groups" in err
