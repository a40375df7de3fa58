"""Tables as labelled datasets: read CSV (plain or gzip) or Parquet, check, encode, split.

A table is a dict ``column name -> cells`` (strings, ``None`` for missing). :func:`table_dataset`
turns one into a :class:`TabularDataset`: the label column becomes int64 labels, the rest is
encoded by a :class:`~trojanscope.data.tabular.schema.TabularSchema` (fitted on the whole table,
or given — a model's schema from its manifest), and the fixed stratified 80/20 split applies.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from torch import Tensor

from trojanscope.data.dataset import TensorDataset, check_split, select_split
from trojanscope.data.tabular.schema import TabularSchema, fit_schema, is_missing, to_number
from trojanscope.errors import UserInputError
from trojanscope.io.delimited import delimiter_for, header_problem, separator_hint

Table = dict[str, list[str | None]]
TEST_FRACTION = 0.2
LABEL_GUESSES = ("label", "target", "class", "y")
GZIP_MAGIC = b"\x1f\x8b"
MAX_CSV_BYTES = 256 << 20  # a gzip CSV expanding beyond this is refused (a bomb, not a table)
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True, eq=False)
class TabularDataset(TensorDataset):
    """A :class:`TensorDataset` of encoded rows (N, F) that keeps its table's schema."""

    schema: TabularSchema | None = field(default=None, compare=False)

    def subset(
        self, index: Tensor | np.ndarray | list[int], name: str | None = None
    ) -> TabularDataset:
        part = super().subset(index, name)
        return TabularDataset(
            part.x, part.y, part.class_names, part.name, part.source, part.poison_mask, self.schema
        )


def schema_of(ds: object) -> TabularSchema | None:
    """The schema of a tabular dataset, looking through views (a poisoned view's ``base``)."""
    while ds is not None:
        schema = getattr(ds, "schema", None)
        if schema is not None:
            return schema
        ds = getattr(ds, "base", None)
    return None


def read_csv(path: Path) -> Table:
    """Read a CSV (or gzip-compressed CSV) file strictly: one header, equal-length rows; a
    ``.tsv`` (or ``.tsv.gz``) file is split on tabs, as its name says."""
    raw = path.read_bytes()
    if raw.startswith(GZIP_MAGIC):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
                raw = fh.read(MAX_CSV_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise UserInputError(f"{path}: corrupt gzip file ({exc})") from None
        if len(raw) > MAX_CSV_BYTES:
            raise UserInputError(
                f"{path}: expands to more than {MAX_CSV_BYTES >> 20} MiB of CSV; not read"
            )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter_for(path)))
    except csv.Error as exc:
        raise UserInputError(f"{path}: malformed CSV ({exc})") from None
    rows = [r for r in rows if r]  # blank lines
    if len(rows) < 2:
        raise UserInputError(f"{path}: a CSV needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    problem = header_problem(header)  # the early check's words too (cli.early_model)
    if problem:
        raise UserInputError(f"{path}: {problem}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise UserInputError(  # a ';' file with decimal commas: the separator named
                f"{path}: line {number} has {len(row)} fields, the header has {len(header)} "
                f"(ragged rows){separator_hint(header, path)}"
            )
    return {name: [row[i] for row in rows[1:]] for i, name in enumerate(header)}


def _version_tuple(version: str) -> tuple[int, ...]:
    """``"14.0.1"`` → ``(14, 0, 1)``; a non-numeric part ends the tuple."""
    parts: list[int] = []
    for part in version.split(".")[:3]:
        digits = part[: len(part) - len(part.lstrip("0123456789"))]  # leading digits
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def read_parquet(path: Path) -> Table:
    """Read a Parquet file through pandas and pyarrow (installed separately)."""
    try:
        import pandas  # noqa: F401  (pyarrow's to_pandas needs it)
        import pyarrow
    except ImportError:
        raise UserInputError(
            f"{path}: reading Parquet needs pandas and pyarrow: pip install pyarrow"
        ) from None
    if _version_tuple(pyarrow.__version__) < (14, 0, 1):  # older ones unpickle metadata
        raise UserInputError(
            f"{path}: pyarrow {pyarrow.__version__} can run code hidden in a Parquet file "
            "(CVE-2023-47248); install pyarrow>=14.0.1"
        )
    from trojanscope.data.tabular.parquet_guard import check_sizes, read_frame

    dictionaries = check_sizes(path, MAX_CSV_BYTES)
    frame = read_frame(path, MAX_CSV_BYTES, dictionaries)
    return {
        str(name): [None if _is_na(v) else str(v) for v in frame[name].tolist()]
        for name in frame.columns
    }


def _is_na(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def read_table(path: Path) -> Table:
    """A CSV, gzip-CSV or Parquet file as a table (format read from the content)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    return read_parquet(path) if head == PARQUET_MAGIC else read_csv(path)


def pick_label(table: Table, label_column: str | None, source: str) -> str:
    """The label column: the one asked for, else a column called label/target/class/y; where
    there is none, the early check's words (a header of one column holding ``;``: the
    separator named, stop 67)."""
    hint = separator_hint(list(table), Path(source))  # source: the file's path, or a set's name
    if label_column is not None:
        if label_column not in table:
            raise UserInputError(
                f"{source}: no label column {label_column!r}; columns: {', '.join(table)}{hint}"
            )
        return label_column
    for guess in LABEL_GUESSES:
        if guess in table:
            return guess
    raise UserInputError(
        f"{source}: name the label column with --label-column (columns: {', '.join(table)})"
        f"{hint}"
    )


def class_order(cells: list[str | None], source: str, label: str) -> tuple[str, ...]:
    """Class names of a label column: numbers in numeric order, other values sorted."""
    if any(is_missing(c) for c in cells):
        row = next(i for i, c in enumerate(cells) if is_missing(c))
        raise UserInputError(f"{source}: label column {label!r} row {row + 1} is empty")
    values = sorted({str(c).strip() for c in cells})
    numbers = [to_number(v) for v in values]
    if all(v is not None for v in numbers):
        values = [v for _, v in sorted(zip(numbers, values, strict=True))]
    if len(values) < 2:
        raise UserInputError(
            f"{source}: label column {label!r} has one class ({values[0]!r}); need at least 2"
        )
    return tuple(values)


def table_dataset(
    table: Table,
    split: str,
    *,
    name: str,
    source: str,
    label_column: str | None = None,
    class_names: tuple[str, ...] | None = None,
    schema: TabularSchema | None = None,
) -> TabularDataset:
    """Encode ``table`` and return ``split`` (``train``, ``test``, ``all``) as a dataset.

    ``class_names`` fixes the class order (bundled sets put the favourable class first);
    ``schema`` encodes with a given schema (a model's) instead of fitting one.
    """
    check_split(split)
    if schema is not None:
        missing = [c.name for c in schema.columns if c.name not in table]
        if missing:
            raise UserInputError(
                f"{source}: lacks column(s) {', '.join(missing[:8])} of the model's "
                f"{len(schema.columns)} feature columns (its features do not fit this table)"
            )
        if label_column is None and schema.label in table:
            label_column = schema.label
    label = pick_label(table, label_column, source)
    cells = table[label]
    found = class_order(cells, source, label)
    names = class_names or (schema.class_names if schema is not None else found)
    unknown = sorted(set(found) - set(names))
    if unknown:
        raise UserInputError(
            f"{source}: label column {label!r} holds unknown class(es) {', '.join(unknown)} "
            f"(known: {', '.join(names)})"
        )
    index = {c: i for i, c in enumerate(names)}
    y = np.asarray([index[str(c).strip()] for c in cells], dtype=np.int64)
    features = {k: v for k, v in table.items() if k != label}
    if schema is None:
        schema = fit_schema(features, label, tuple(names), source)
    x = schema.encode(features, source)
    part = select_split(
        x, y, split, TEST_FRACTION, name=name, source=source, class_names=list(names), image=False
    )
    return TabularDataset(
        part.x, part.y, part.class_names, part.name, part.source, part.poison_mask, schema
    )
