"""User tables on disk (registry kind ``data-format``): CSV (plain or gzip) and Parquet.

Both take ``label_column`` (the CLI's ``--label-column``) and, to encode new data exactly as a
model's training data were, ``schema`` (a model's, from its manifest).
"""

from __future__ import annotations

from pathlib import Path

from trojanscope.data.data_format import DataFormat
from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.data.tabular.table import (
    GZIP_MAGIC,
    PARQUET_MAGIC,
    TabularDataset,
    read_table,
    table_dataset,
)
from trojanscope.registry import register

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv")


class TableFormat(DataFormat):
    """A table with one row per sample and a label column."""

    takes_label_column = True

    def __init__(
        self, label_column: str | None = None, schema: TabularSchema | None = None
    ) -> None:
        self.label_column = label_column
        self.schema = schema

    def load(self, path: Path, split: str) -> TabularDataset:
        return table_dataset(
            read_table(path), split, name=path.name, source=str(path),
            label_column=self.label_column, schema=self.schema,
        )


@register("data-format", "csv")
class CsvFormat(TableFormat):
    """CSV file (or .csv.gz) with a header row and a label column (--label-column)."""

    order = 45
    description = "CSV file (.csv or .csv.gz) with a header row and a label column"

    def matches(self, path: Path) -> bool:
        if not path.is_file():
            return False
        name = path.name.lower()
        if name.endswith(CSV_SUFFIXES):
            return True
        with path.open("rb") as fh:
            head = fh.read(2)
        return head == GZIP_MAGIC and name.endswith(".gz") and ".csv" in name


@register("data-format", "parquet")
class ParquetFormat(TableFormat):
    """Parquet file with a label column (--label-column); needs pyarrow."""

    order = 46
    description = "Parquet file with a label column (needs pyarrow)"

    def matches(self, path: Path) -> bool:
        if not path.is_file():
            return False
        with path.open("rb") as fh:
            return fh.read(4) == PARQUET_MAGIC
