"""Size checks on a user's ``.npz``/``.npy`` before numpy reads it.

numpy allocates the array a member's header declares before it reads a byte of data (a 1 KB
file declaring 10^11 floats is a ``MemoryError``), and inflates deflated members whatever their
ratio (a few hundred KB of zeros become gigabytes in memory). Checked here from the zip
directory and each member's header only, nothing inflated past the header: the zip's declared
size caps what Python's :mod:`zipfile` will inflate (it stops there and checks the CRC), so the
declared sizes bound the actual ones. Limits are the scanner's (:class:`ScanLimits`).
"""

from __future__ import annotations

import math
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

from trojanscope.errors import UserInputError
from trojanscope.scan.rules import ScanLimits

__all__ = ["check_npy", "check_npz"]

GIB = 1 << 30


def _declared(fh: BinaryIO) -> tuple[int, int] | None:
    """``(header bytes, data bytes)`` a ``.npy`` stream declares; None when numpy's own reader
    would refuse the header (it then names the problem itself)."""
    try:
        version = npy_format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = npy_format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = npy_format.read_array_header_2_0(fh)
        else:
            shape, _, dtype = npy_format._read_array_header(fh, version)  # type: ignore[attr-defined]
    except (ValueError, EOFError, OSError, SyntaxError, TypeError, zipfile.BadZipFile):
        return None
    if dtype.hasobject:  # refused by allow_pickle=False
        return None
    # a negative dimension wraps numpy's int64 count into a huge allocation: count it unsigned
    return fh.tell(), math.prod(abs(int(d)) for d in shape) * np.dtype(dtype).itemsize


def _too_big(where: str, declared: int, held: int) -> UserInputError:
    return UserInputError(
        f"{where}: its header declares {declared:,} bytes of data but the file holds "
        f"{held:,} (truncated, or a header made to exhaust memory); nothing was loaded"
    )


def check_npz(path: Path, what: str = "") -> None:
    """Refuse ``path`` (one clear error) when its arrays would not fit the limits or their
    headers declare more data than their members hold; unreadable archives are left to
    numpy's reader, which names the problem."""
    lim = ScanLimits()
    where = f"{what} {path}".strip()
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(6)
    except OSError:
        return
    if head == b"\x93NUMPY":  # np.load reads by the first bytes: an .npy (even with a zip
        check_npy(Path(path), what)  # appended after it) is an .npy whatever its name says
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return
    with zf:
        total = 0
        for info in zf.infolist():
            total += info.file_size
            if total > lim.max_expanded:
                raise UserInputError(
                    f"{where}: its arrays expand to more than {lim.max_expanded // GIB} GiB "
                    "(a compression bomb, or more data than trojanscope loads at once); "
                    "nothing was loaded"
                )
            if info.file_size > lim.min_bomb_size and (
                info.file_size > lim.max_ratio * max(info.compress_size, 1)
            ):
                raise UserInputError(
                    f"{where}: member {info.filename} expands {info.file_size // GIB} GiB at "
                    f"more than {lim.max_ratio}:1 (a compression bomb); nothing was loaded"
                )
            try:  # every member: numpy reads `x` as an array as readily as `x.npy`
                with zf.open(info) as fh:
                    declared = _declared(fh)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                continue  # numpy names it if it reads this member; later ones are still checked
            except (RuntimeError, zlib.error) as exc:  # encrypted or corrupt: numpy fails unnamed
                raise UserInputError(
                    f"{where}: member {info.filename} cannot be read ({exc}); nothing was loaded"
                ) from None
            if declared is not None and sum(declared) > info.file_size:
                raise _too_big(f"{where} ({info.filename})", declared[1], info.file_size)


def check_npy(path: Path, what: str = "") -> None:
    """The same header check for a plain ``.npy`` file."""
    where = f"{what} {path}".strip()
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            declared = _declared(fh)
    except OSError:
        return
    if declared is not None and sum(declared) > size:
        raise _too_big(where, declared[1], size)
