"""A data file that no reader takes, refused before torch is imported.

Every command that reads a user's data imports torch and its readers first (5 CPU seconds, 15-25 s
wall on a loaded machine at stop 63) and then refuses a corrupt ``.npz`` or a PNG named
``.csv``. What every reader refuses can be told from a file's name and first bytes, and a zip
archive's directory, with the standard library alone: an empty file; an ``.npz`` that is no zip
archive, or one cut short (its directory is at the end), or one without an array ``x``; a
single ``.npy``; a single image; a text file holding binary bytes; a file of no data format at
all (a model file as ``--data``); and (stop 65, with numpy) NaN or Inf in an ``.npz``'s float
``x`` of at most :data:`MAX_READ_BYTES`; (stop 70) a folder no data format reads
(:func:`check_data_folder`: no sub-folder, no CIFAR-10 batch, no manifest: a folder of
models), for the commands whose ``--data`` the readers name alone.
Other folders, bundled dataset names and anything a reader may take are left to the readers;
so is every non-empty file where a plug-in is installed (its data format may read it, as
:mod:`trojanscope.registry_early` leaves names to the registry).
``tests/cli/test_early_data.py`` checks that the suffixes and magics here equal the readers'
own.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trojanscope.errors import UserInputError
from trojanscope.io.delimited import delimiter_for, separator_hint

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
LFS_POINTER = b"version https://git-lfs"  # a file Git LFS never fetched
SNIFF = 4096  # bytes of a text file read for NUL bytes
HEADER_BYTES = 1 << 16  # of a CSV read for its header
MAX_READ_BYTES = 64 << 20  # an .npz's x read here for NaN; larger ones: the reader's check
# the built-in data formats' descriptions, in the order the registry tries them (the readers'
# "unrecognised data" line; tests/cli/test_early_folder.py keeps them equal to the registry's)
BUILTIN_FORMATS = (
    ".npz file with arrays x (N, C, H, W floats in [0, 1]) and y (int labels)",
    "CIFAR-10 python batches (data_batch_1..5, test_batch, or their parent folder)",
    "GTSRB folder (Final_Training/, Final_Test/; or Kaggle's Train/, Test/, *.csv)",
    "image folder with one sub-folder per class (png, jpg, jpeg, bmp, gif, webp)",
    "text data: .csv/.tsv with a header or .jsonl (--text-column, --label-column)",
    "CSV file (.csv or .csv.gz) with a header row and a label column",
    "Parquet file with a label column (needs pyarrow)",
)
CIFAR_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                 "test_batch")  # data.cifar10's TRAIN_FILES and TEST_FILES


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of ``path``; empty where it cannot be read (the reader names
    why)."""
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""  # unreadable: the reader names it


def _unreadable(path: Path) -> str | None:
    """Why a file cannot be opened for reading (permissions, a folder's name), or None."""
    try:
        with path.open("rb"):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def check_data_file(value: str | Path | None, what: str = "") -> None:
    """One error line for a data file no reader takes (the module docstring); nothing for a
    folder (:func:`check_data_folder`), a bundled name, a file without a suffix, or a file a
    reader may take. ``what`` (``--data``, ``inputs``) starts the message."""
    if value is None:
        return
    path = Path(value)
    name = path.name.lower()
    if not path.suffix or not path.is_file():
        return
    where = f"{what} {path}".strip()
    head = read_head(path, SNIFF)
    if not head and (reason := _unreadable(path)):
        raise UserInputError(f"{where}: cannot be read ({reason}); nothing was loaded")
    if not head and path.stat().st_size == 0:
        raise UserInputError(f"{where}: an empty file (0 bytes), not data")
    from trojanscope.registry_early import plugins_installed

    if plugins_installed():  # a plug-in's data format (a registry kind) may read any other file
        return
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


def check_data_folder(path: Path, spec: str) -> None:
    """A folder no data format reads: no sub-folder (an image folder's classes, a CIFAR-10
    ``cifar-10-batches-py``, GTSRB's trees all are one), no CIFAR-10 batch file and no
    ``manifest.json`` (``detect-data`` rebuilds a red-team run's data from it): the readers'
    "unrecognised data" line, before the imports (stop 69: a folder of models as ``--data``,
    28 s after them). For the commands that read ``--data`` with ``load_dataset`` (its words
    name the folder alone: :func:`~.early_model.check_model_data`'s callers). A bundled
    dataset's name is the registry's, and with a plug-in installed its data format may read
    the folder: neither is refused here."""
    from trojanscope.registry_early import plugins_installed, source_names

    if spec in source_names("dataset") or plugins_installed():
        return
    try:
        entries = list(path.iterdir())
    except OSError:
        return  # the reader names it
    if (any(e.is_dir() for e in entries) or (path / "manifest.json").is_file()
            or any(e.name in CIFAR_BATCHES for e in entries)):
        return
    hint = (" (empty folder)" if not entries else
            " (images lie directly in the folder; put them in one sub-folder per class)"
            if any(e.is_file() and e.suffix.lower() in IMAGE_SUFFIXES for e in entries) else "")
    raise UserInputError(f"{path}: unrecognised data{hint}; supported: "
                         + "; ".join(BUILTIN_FORMATS))


def _check_npz(path: Path, where: str, head: bytes) -> None:
    """An ``.npz``: a zip archive whose directory can be read and that holds an array ``x``."""
    if head.startswith(NPY_MAGIC):
        raise UserInputError(f"{where}: a single .npy array, not an .npz archive; save the "
                             "arrays together with numpy.savez(path, x=x, y=y)")
    if not head.startswith(ZIP_MAGICS):
        raise UserInputError(f"{where}: not a valid .npz file (it is not a zip archive: "
                             f"{_what_instead(head)})")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UserInputError(f"{where}: truncated or corrupt .npz, its zip directory cannot be "
                             f"read ({exc}); nothing was loaded") from None
    images = [n for n in names if n.lower().endswith(IMAGE_SUFFIXES)]
    if "x" not in names and "x.npy" not in names and images:  # stop 66: a zip of a folder
        raise UserInputError(f"{where}: a zip archive of {len(images)} image file(s), not an "
                             ".npz of arrays; unzip it and give the folder (one sub-folder of "
                             "images per class)")
    if "x" not in names and "x.npy" not in names:
        found = ", ".join(repr(n.removesuffix(".npy")) for n in names[:5]) or "none"
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        raise UserInputError(f"{where}: no array 'x' in the archive (found {found}{more}); "
                             "save it with numpy.savez(path, x=x, y=y)")
    _check_finite(path, where)


def npz_x(path: Path, array: str = "x") -> tuple[tuple[int, ...], Any, str] | None:
    """``x``'s (or ``array``'s) shape, dtype and member name from its ``.npy`` header, or None
    where the archive or header does not read here (the reader names the problem)."""
    import numpy as np

    try:
        with zipfile.ZipFile(path) as zf:
            member = next((n for n in (f"{array}.npy", array) if n in zf.namelist()), None)
            if member is None:
                return None
            with zf.open(member) as fh:
                version = np.lib.format.read_magic(fh)
                header = {(1, 0): np.lib.format.read_array_header_1_0,
                          (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if header is None:
                    return None
                shape, _, dtype = header(fh)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, TypeError):
        return None  # a corrupt deflate stream too (zlib.error)
    return tuple(int(n) for n in shape), dtype, member


def _check_finite(path: Path, where: str) -> None:
    """NaN or Inf in an ``.npz``'s float ``x`` (every reader refuses it, after torch loads:
    stop 64), and (stop 67) values outside [0, 1] (floats of 0-255), read with numpy where ``x``
    is at most :data:`MAX_READ_BYTES`."""
    described = npz_x(path)
    if described is None:
        return
    shape, dtype, member = described
    if dtype.kind != "f" or dtype.itemsize * math.prod(shape) > MAX_READ_BYTES:
        return
    import numpy as np

    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            x = np.lib.format.read_array(fh, allow_pickle=False)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        return  # the reader names it
    finite = np.isfinite(x)
    if not finite.all():
        bad = int((~finite).reshape(len(x), -1).any(axis=1).sum()) if x.ndim else 1
        raise UserInputError(f"{where}: 'x' contains NaN or Inf values (in {bad} samples); "
                             "nothing was loaded")
    if x.size and (x.min() < 0 or x.max() > 1):  # every reader's make_dataset (stop 67: 33 s)
        from trojanscope.io.npz_words import out_of_range

        raise UserInputError(out_of_range(where, float(x.min()), float(x.max())))


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


def _what_instead(head: bytes) -> str:
    """What a file that should have been a zip archive holds instead, in words for its owner
    (stop 64 said "not a zip archive" of all of them)."""
    kind = _kind(head)
    if kind:
        return f"it starts like {kind}"
    if head.startswith(LFS_POINTER):
        return "it is a Git LFS pointer, not the file; fetch it with git lfs pull"
    if head.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "it is a web page; a download that saved an error or login page?"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # text cut inside a character at the sniff's end
        text = head[:exc.start].decode("utf-8") if exc.start >= len(head) - 3 else ""
    if text.strip() and all(c.isprintable() or c in "\r\n\t" for c in text[:SNIFF]):
        first = text.strip().splitlines()[0][:40]
        return (f"it is text, starting {first!r}; a table or sentences go in a .csv file, "
                "arrays in numpy.savez(path, x=x, y=y)")
    return "its first bytes match no format trojanscope knows; truncated or another kind of file"


def _kind(head: bytes) -> str | None:
    """What the first bytes say the file is, or None."""
    return next((kind for magic, kind in BINARY_KINDS.items() if head.startswith(magic)), None)


def text_model(model: str | Path | None) -> bool:
    """Whether ``model`` is a text model by its own files alone (nothing loaded): what
    :func:`trojanscope.io.model_kind.model_input` says (a run's manifest naming a tokenizer,
    or a Hugging Face folder the loader reads as a text classifier)."""
    from trojanscope.io.model_kind import model_input

    found = model_input(model)
    return found is not None and found.kind == "text"


def check_text_data(model: str | Path | None, data: dict[str, Any],
                    text_column: str | None) -> None:
    """For a text model (:func:`text_model`), a ``data`` file refused as its readers refuse it,
    before they are imported: an ``.npz`` (images, not sentences), or a CSV/TSV whose header
    has no text column (``--text-column``, default ``text``; stop 64: ``detect`` read 37 s at
    load 12 before saying so)."""
    if all(v is None for v in data.values()) or not text_model(model):
        return
    from trojanscope.registry_early import plugins_installed

    if plugins_installed():  # a plug-in's data format may read it (check_data_file)
        return
    column = text_column or "text"
    for where, path in data_files(data):
        name = path.name.lower()
        if name.endswith(".npz") or read_head(path, 8).startswith(ZIP_MAGICS):
            raise UserInputError(f"{where}: a text model needs text data (sentences), not images")
        header = csv_header(path) if name.endswith((".csv", ".tsv")) else None
        if header is not None and column not in header:
            raise UserInputError(f"{where}: no column {column!r} (--text-column); columns: "
                                 f"{', '.join(header)}{separator_hint(header, path)}")


def data_files(data: dict[str, Any]) -> Iterator[tuple[str, Path]]:
    """Each ``{"--data": value}`` entry that names a file, as (``--data value``, path): the
    files a model-and-data check reads (folders and bundled names are the readers')."""
    for what, value in data.items():
        path = Path(value) if value is not None else None
        if path is not None and path.is_file():
            yield f"{what} {path}".strip(), path


def csv_header(path: Path, *, skip_blank: bool = False) -> list[str] | None:
    """The header row of a CSV/TSV as the text reader parses it (UTF-8, a BOM dropped; with
    ``skip_blank``, after blank lines, as the table reader reads it), or None where it cannot
    be read here (the reader names the problem)."""
    try:
        text = read_head(path, HEADER_BYTES).decode("utf-8-sig")
        if "\n" not in text:
            return None  # a header longer than what is read here
        whole_lines = text[:text.rindex("\n") + 1]
        rows = csv.reader(io.StringIO(whole_lines, newline=""), delimiter=delimiter_for(path))
        return next((row for row in rows if row or not skip_blank), None)
    except (UnicodeDecodeError, csv.Error):
        return None
