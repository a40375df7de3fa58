"""A European spreadsheet's CSV (``;`` between fields, decimal commas): its rows split on the
commas into more fields than the one-column header, so the table reader stopped on "ragged
rows" without naming the separator (stop 70, seed 78's ``semi-euro.csv``)."""

from __future__ import annotations

import pytest

from trojanscope.data.tabular.table import read_table
from trojanscope.errors import UserInputError


def test_ragged_rows_under_a_semicolon_header_name_the_separator(tmp_path) -> None:
    path = tmp_path / "semi-euro.csv"
    path.write_text("amount;age;is_fraud\n1,5;30;0\n2,25;41;1\n")
    with pytest.raises(UserInputError, match=r"line 2 has 2 fields, the header has 1 \(ragged "
                                             r"rows\); the header is one column holding ';'"):
        read_table(path)
    (tmp_path / "ragged.csv").write_text("a,b\n1,2,3\n")
    with pytest.raises(UserInputError, match=r"\(ragged rows\)$"):
        read_table(tmp_path / "ragged.csv")
