"""A Parquet table is size-checked from its footer before pyarrow expands its pages (stop 36)."""

from pathlib import Path

import pytest

from trojanscope.data.tabular import table
from trojanscope.errors import UserInputError


def test_columns_expanding_past_the_cap_are_refused(tmp_path: Path, monkeypatch) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"x": [0.0] * 20_000, "label": [0] * 20_000}), path, compression="zstd"
    )  # under 1 KB on disk: 40,000 values
    assert table.read_table(path)["label"][:2] == ["0", "0"]
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 10_000)
    with pytest.raises(UserInputError, match=r"40,000 values, more than"):
        table.read_table(path)
