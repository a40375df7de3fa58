"""A ``.tsv`` table is split on tabs, as its name says (stop 65 hrev: it was split on commas, so
a real TSV ended in "name the label column"); a ``.csv`` still on commas."""

from __future__ import annotations

import gzip

from trojanscope.data.tabular.table import read_csv
from trojanscope.io.delimited import delimiter_for


def test_a_tsv_is_read_on_tabs(tmp_path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("amount\tnote\tis_fraud\n1.5\ta, b\t0\n2.0\tc\t1\n", encoding="utf-8")
    table = read_csv(path)
    assert list(table) == ["amount", "note", "is_fraud"]
    assert table["note"][0] == "a, b" and table["is_fraud"] == ["0", "1"]


def test_a_gzipped_tsv_too_and_a_csv_on_commas(tmp_path) -> None:
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(b"x\ty\n1\t0\n2\t1\n"))
    assert list(read_csv(path)) == ["x", "y"]
    csv_path = tmp_path / "t.csv"
    csv_path.write_text("x,y\n1,0\n", encoding="utf-8")
    assert list(read_csv(csv_path)) == ["x", "y"]
    assert delimiter_for(csv_path) == "," and delimiter_for(path) == "\t"
