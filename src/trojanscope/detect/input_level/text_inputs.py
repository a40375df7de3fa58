"""Unlabelled text inputs for the input-level detectors: sentences from a CSV/TSV/JSONL file
(one column), tokenised with the model's own tokenizer."""

from __future__ import annotations

from pathlib import Path

from torch import Tensor

from trojanscope.data.text_files import SUFFIXES, read_records
from trojanscope.errors import UserInputError


def is_text_model(loaded) -> bool:
    """Whether a loaded model is a text model (its manifest names a tokenizer)."""
    return bool(getattr(loaded.manifest, "text", None)) if loaded.manifest is not None else False


TEXT_AUTO = "text-inversion"  # measured on text zoos: docs/benchmarks.md, "Text models"


def text_method(loaded, method: str) -> str:
    """The detector for ``loaded``: ``auto`` means :data:`TEXT_AUTO` for a text model."""
    return TEXT_AUTO if method == "auto" and is_text_model(loaded) else method


def read_texts(path: str | Path, text_column: str = "text", what: str = "inputs") -> list[str]:
    """The sentences in column ``text_column`` of ``path``; every problem one clear error."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"{what} {path}: no such file")
    if path.suffix.lower() not in SUFFIXES:
        raise UserInputError(f"{what} {path}: text inputs are read from "
                             f"{', '.join(SUFFIXES)} files")
    rows = read_records(path)
    if not rows:
        raise UserInputError(f"{what} {path}: no rows")
    if text_column not in rows[0]:
        raise UserInputError(f"{what} {path}: no column {text_column!r} (--text-column); "
                             f"columns: {', '.join(map(str, rows[0]))}")
    texts = [r.get(text_column) for r in rows]
    first = 2 if path.suffix.lower() in (".csv", ".tsv") else 1  # the file's own row numbers
    bad = [n for n, t in enumerate(texts, first) if not isinstance(t, str) or not t.strip()]
    if bad:  # numbered as the training reader numbers them (a CSV's header is row 1)
        raise UserInputError(f"{what} {path}: {len(bad)} empty text(s) (first at row {bad[0]})")
    return [str(t) for t in texts]


def encode_texts(path: str | Path, encoder, text_column: str = "text",
                 what: str = "inputs") -> Tensor:
    """Token ids of the sentences of ``path``."""
    return encoder.encode(read_texts(path, text_column, what))
