"""The field separator a delimited text file's name promises (torch-free: the early CLI checks
read headers with it before any import, the table and text readers read whole files)."""

from __future__ import annotations

from pathlib import Path

TAB_SUFFIXES = (".tsv", ".tsv.gz")


def delimiter_for(path: Path) -> str:
    """A tab for ``.tsv`` (or ``.tsv.gz``), else a comma."""
    return "\t" if path.name.lower().endswith(TAB_SUFFIXES) else ","
