"""Hostile user files for the loaders hardened at stop 36, shared by the tests and
``benchmarks/load_hardening_check.py``. Built only; nothing here loads them."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path

from numpy.lib import format as npy_format

__all__ = ["lying_npz", "npy_header", "smuggled_torchscript"]


class _System:
    """Pickles as ``os.system("true")``: what the scanner rates critical (TS102)."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("true",))


def npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """A ``.npy`` version 1.0 header declaring ``shape`` of ``descr``."""
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def lying_npz(path: Path, suffix: str = ".npy") -> Path:
    """``x`` declares 10^11 floats (numpy allocated 373 GiB before reading) and holds 64 bytes;
    ``suffix=""`` names the members ``x``/``y``, which numpy reads as arrays all the same."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"x{suffix}", npy_header((10**11,)) + b"\0" * 64)
        z.writestr(f"y{suffix}", npy_header((1,), "<i8") + b"\0" * 8)
    return path


def smuggled_torchscript(plain: Path, out: Path) -> Path:
    """The TorchScript archive ``plain`` plus a member torch never reads: a pickle that runs a
    shell command (``os.system("true")``) when unpickled."""
    root = zipfile.ZipFile(plain).namelist()[0].split("/")[0]
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        zout.writestr(f"{root}/extra/payload.bin", pickle.dumps(_System(), protocol=2))
    return out
