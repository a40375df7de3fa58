"""The field separator a delimited text file's name promises (torch-free: the early CLI checks
read headers with it before any import, the table and text readers read whole files)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TAB_SUFFIXES = (".tsv", ".tsv.gz")
MISSING_TOKENS = frozenset({"", "na", "nan", "n/a", "null", "none", "?"})


def is_missing(value: str | None) -> bool:
    """Whether a cell means "no value" (the table reader's rule, here so that the early checks
    read a label column's cells in its words without importing it)."""
    return value is None or value.strip().lower() in MISSING_TOKENS


def delimiter_for(path: Path) -> str:
    """A tab for ``.tsv`` (or ``.tsv.gz``), else a comma."""
    return "\t" if path.name.lower().endswith(TAB_SUFFIXES) else ","


OTHER_SEPARATORS = (";", "\t", "|")  # what spreadsheets write instead (a European Excel: ;)


def separator_hint(header: list[str], path: Path) -> str:
    """Words for a header read as one column that holds another separator (stop 66: a CSV
    saved with ``;`` gave "no label column 'is_fraud'; columns: Seniority;Home;…"), or ''."""
    if len(header) != 1:
        return ""
    found = [s for s in OTHER_SEPARATORS if s != delimiter_for(path) and s in header[0]]
    if not found:
        return ""
    shown = "a tab" if found[0] == "\t" else repr(found[0])
    return (f"; the header is one column holding {shown}: save the file separated by commas "
            "(.csv) or tabs (.tsv)")


def header_problem(header: list[str]) -> str | None:
    """Why the table reader refuses a header (its names stripped), or None: a name standing
    twice (stop 67: said before the imports too, naming it) or a column without a name (named
    by its place; a first one is how pandas writes its index: ``to_csv`` without
    ``index=False``)."""
    twice = [name for name, count in Counter(header).items() if count > 1 and name]
    unnamed = [place for place, name in enumerate(header, start=1) if not name]
    if not twice and not unnamed:
        return None
    said = [f"{', '.join(map(repr, twice))} twice"] if twice else []
    if unnamed:
        places = ", ".join(map(str, unnamed[:5])) + (" …" if len(unnamed) > 5 else "")
        said.append(f"column{'s' if len(unnamed) > 1 else ''} {places} without a name")
    index = ("; a first column without a name is a pandas index: save the table with "
             "to_csv(path, index=False)" if unnamed[:1] == [1] else "")
    return f"the header has empty or repeated column names ({'; '.join(said)}){index}"
