"""User text data: CSV (or TSV) with a header, or JSON Lines, one sample per row.

``--text-column`` names the column of sentences (default ``text``), ``--label-column`` the class
label (default ``label``): integers 0..K-1 are kept as they are, any other values (``pos``,
``5 stars``) become classes in sorted order. A file is recognised as text data by content: a
header (or JSON objects) and a column of free text (values with spaces).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from trojanscope.data.data_format import DataFormat
from trojanscope.data.text import TextDataset, make_text_dataset, select_text_split
from trojanscope.errors import UserInputError
from trojanscope.io.delimited import delimiter_for
from trojanscope.io.json_file import loads
from trojanscope.registry import register

SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")
_SNIFF_BYTES = 64 * 1024


def _read_text(path: Path, limit: int | None = None) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read() if limit is None else fh.read(limit)
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if limit is not None and exc.start >= len(raw) - 4:  # a character cut by the limit
            return raw[: exc.start].decode("utf-8-sig")
        line = raw[: exc.start].count(b"\n") + 1
        raise UserInputError(
            f"{path}: not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} on line {line}); "
            "save it as UTF-8"
        ) from None


def read_records(path: Path, limit: int | None = None) -> list[dict[str, object]]:
    """Rows of a CSV/TSV (by its header) or JSON Lines file, as dicts."""
    text = _read_text(path, limit)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        lines = text.splitlines()
        if limit is not None and not text.endswith("\n"):
            lines = lines[:-1]  # the last line may be cut by the limit
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = loads(line)
            except json.JSONDecodeError as exc:
                raise UserInputError(f"{path}: line {number} is not JSON ({exc.msg})") from None
            except ValueError as exc:  # nested too deeply
                raise UserInputError(f"{path}: line {number}: {exc}") from None
            if not isinstance(row, dict):
                raise UserInputError(f"{path}: line {number} is not a JSON object")
            rows.append(row)
        return rows
    delimiter = delimiter_for(path)
    csv.field_size_limit(1 << 24)
    try:
        return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UserInputError(f"{path}: not a readable CSV file ({exc})") from None


def _is_free_text(values: list[object]) -> bool:
    strings = [v for v in values if isinstance(v, str) and v.strip()]
    return len(strings) >= max(1, len(values) // 2) and sum(" " in s.strip() for s in strings) >= (
        len(strings) + 1
    ) // 2


@register("data-format", "text-table")
class TextTable(DataFormat):
    """CSV/TSV with a header or JSON Lines holding a text column and a label column.

    Arguments:
        text_column: the column of sentences.
        label_column: the column of class labels.
    """

    order = 44  # before the tabular CSV reader: a CSV whose text column holds sentences
    description = "text data: .csv/.tsv with a header or .jsonl (--text-column, --label-column)"

    def __init__(self, text_column: str | None = None, label_column: str = "label") -> None:
        self.asked = text_column is not None  # --text-column given: the user says it is text
        self.text_column = text_column or "text"
        self.label_column = label_column

    def matches(self, path: Path) -> bool:
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            return False
        if self.asked:  # let load() name what is wrong (a missing column, bad bytes)
            return True
        try:
            rows = read_records(path, _SNIFF_BYTES)[:50]
        except UserInputError:  # JSON Lines are text data: let load() name what is wrong
            return path.suffix.lower() == ".jsonl"  # (a broken CSV is left to the table reader)
        if not rows or self.text_column not in rows[0]:
            return False
        values = [r.get(self.text_column) for r in rows]
        if all(isinstance(v, str) and not v.strip() for v in values):
            return True  # a text column of empty texts: load() names them (not a table)
        return _is_free_text(values)

    def load(self, path: Path, split: str) -> TextDataset:
        rows = read_records(path)
        if not rows:
            raise UserInputError(f"{path}: no rows")
        columns = list(rows[0])
        for what, col in (("--text-column", self.text_column),
                          ("--label-column", self.label_column)):
            if col not in columns:
                raise UserInputError(
                    f"{path}: no column {col!r} ({what}); columns: {', '.join(map(str, columns))}"
                )
        texts, raw, empty = [], [], []
        for number, row in enumerate(rows, 2 if path.suffix.lower() in (".csv", ".tsv") else 1):
            text, label = row.get(self.text_column), row.get(self.label_column)
            if not isinstance(text, str):
                raise UserInputError(f"{path}: row {number}: {self.text_column!r} is not text")
            if label is None or (isinstance(label, str) and not label.strip()):
                raise UserInputError(f"{path}: row {number}: no {self.label_column!r} value")
            if not text.strip():
                empty.append(number)
            texts.append(text)
            raw.append(str(label).strip())
        if empty:  # the file's own row numbers (a CSV's header is row 1), as the errors above
            raise UserInputError(f"{path}: {len(empty)} empty text(s) (first at row {empty[0]}); "
                                 "remove them or fill them in")
        labels, names = _classes(raw)
        full = make_text_dataset(texts, labels, class_names=names, name=path.stem,
                                 source=str(path))
        return select_text_split(full, split, 0.2)


def _classes(raw: list[str]) -> tuple[np.ndarray, list[str]]:
    """Class indices and names: integers 0..K-1 as given, other values in sorted order."""
    values = sorted(set(raw))
    if all(v.isdigit() for v in values):
        ints = sorted(int(v) for v in values)
        if ints[0] >= 0 and ints[-1] < 1000 and ints == list(range(ints[0], ints[-1] + 1)) \
                and ints[0] == 0:
            return np.asarray([int(v) for v in raw]), [str(i) for i in ints]
        values = [str(i) for i in ints]
    index = {v: i for i, v in enumerate(values)}
    return np.asarray([index[v] for v in raw]), values
