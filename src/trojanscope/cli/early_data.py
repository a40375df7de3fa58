"""A data file that no reader takes, and a share out of range, refused before torch is imported.

Every command that reads a user's data imports torch and its readers first (5 CPU seconds, 15-25 s
wall on a loaded machine at stop 63) and then refuses a corrupt ``.npz`` or a PNG named
``.csv``. What every reader refuses can be told from a file's name and first bytes, and a zip
archive's directory, with the standard library alone: an empty file; an ``.npz`` that is no zip
archive, or one cut short (its directory is at the end), or one without an array ``x``; a
single ``.npy``; a single image; a text file holding binary bytes; a file of no data format at
all (a model file as ``--data``). Folders, bundled dataset names and anything a reader may
take are left to the readers. ``tests/cli/test_early_data.py`` checks that the suffixes and
magics here equal the readers' own.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from trojanscope.errors import UserInputError

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # data.npz
NPY_MAGIC = b"\x93NUMPY"
PARQUET_MAGIC = b"PAR1"  # data.tabular.table
TEXT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")  # data.text_files, detect inputs
TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".parquet")  # data.tabular.formats
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")  # data.image_folder
# what a binary file's first bytes say it is, named in the error (not every format; the ones
# of printable characters alone, such as GIF8 or PAR1, could begin a CSV header too)
BINARY_KINDS = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "a gzip archive", b"\x7fELF": "a program", b"\x93NUMPY": "a .npy array",
    b"\xff\xfe": "UTF-16 text", b"\xfe\xff": "UTF-16 text",
}
SNIFF = 4096  # bytes of a text file read for NUL bytes


def _head(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""  # unreadable: the reader names it


def check_data_file(value: str | Path | None, what: str = "") -> None:
    """One error line for a data file no reader takes (the module docstring); nothing for a
    folder, a bundled name, a file without a suffix, or a file a reader may take. ``what``
    (``--data``, ``inputs``) starts the message."""
    if value is None:
        return
    path = Path(value)
    name = path.name.lower()
    if not path.suffix or not path.is_file():
        return
    where = f"{what} {path}".strip()
    head = _head(path, SNIFF)
    if not head and path.stat().st_size == 0:
        raise UserInputError(f"{where}: an empty file (0 bytes), not data")
    if head.startswith(ZIP_MAGICS) or name.endswith(".npz"):
        _check_npz(path, where, head)
    elif name.endswith(IMAGE_SUFFIXES):
        raise UserInputError(f"{where}: a single image, not data trojanscope reads; give an .npz "
                             "(numpy.savez(path, x=x, y=y)) or a folder with one sub-folder "
                             "of images per class")
    elif name.endswith(TEXT_SUFFIXES + TABLE_SUFFIXES):
        _check_text(path, where, head)
    elif not head.startswith((NPY_MAGIC, PARQUET_MAGIC)):
        raise UserInputError(f"{where}: not data trojanscope reads ({_kind(head) or 'unknown'} "
                             f"file {path.suffix!r}); give an .npz with an array x, a CSV/TSV/"
                             "JSONL/Parquet file, or a data folder")


def _check_npz(path: Path, where: str, head: bytes) -> None:
    """An ``.npz``: a zip archive whose directory can be read and that holds an array ``x``."""
    if head.startswith(NPY_MAGIC):
        raise UserInputError(f"{where}: a single .npy array, not an .npz archive; save the "
                             "arrays together with numpy.savez(path, x=x, y=y)")
    if not head.startswith(ZIP_MAGICS):
        kind = _kind(head)
        raise UserInputError(f"{where}: not a valid .npz file (it is not a zip archive"
                             f"{': it starts like ' + kind if kind else ''})")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UserInputError(f"{where}: truncated or corrupt .npz, its zip directory cannot be "
                             f"read ({exc}); nothing was loaded") from None
    if "x" not in names and "x.npy" not in names:
        found = ", ".join(repr(n.removesuffix(".npy")) for n in names[:5]) or "none"
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        raise UserInputError(f"{where}: no array 'x' in the archive (found {found}{more}); "
                             "save it with numpy.savez(path, x=x, y=y)")


def _check_text(path: Path, where: str, head: bytes) -> None:
    """A CSV/TSV/JSONL file: text, not a binary file given a text name (a gzip or Parquet
    file is binary by design and left to its reader)."""
    name = path.name.lower()
    if name.endswith((".gz", ".parquet")):
        return
    kind = _kind(head)
    if kind or b"\x00" in head:
        raise UserInputError(f"{where}: not a text table: it holds binary bytes"
                             f"{' (it starts like ' + kind + ')' if kind else ''}; save the "
                             "table as UTF-8 CSV text")


def _kind(head: bytes) -> str | None:
    """What the first bytes say the file is, or None."""
    return next((kind for magic, kind in BINARY_KINDS.items() if head.startswith(magic)), None)


def check_share(flag: str, value: float | None, *, one: bool = False) -> None:
    """``value`` of ``flag`` in (0, 1), or (0, 1] with ``one`` (NaN refused), as the
    command's later check words it."""
    if value is None:
        return
    if not (0.0 < value < 1.0 or (one and value == 1.0)):
        raise UserInputError(f"{flag} must be in (0, 1{']' if one else ')'}, got {value}")
