"""NumPy ``.npy`` headers and pickled dtypes, read without NumPy's loader (no allow_pickle)."""

from __future__ import annotations

import io
import re
import struct
import tokenize
from typing import Any

from trojanscope.scan.literal import literal
from trojanscope.scan.stream import Reader
from trojanscope.scan.values import Call, Global

NPY_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 1 << 20


class NpyError(ValueError):
    """Not a valid .npy header."""


def read_npy_header(r: Reader) -> dict[str, Any]:
    """Parse the magic, version and header dict of a .npy stream (the reader then points at
    the array data). The header is a Python literal, parsed with ``ast.literal_eval``."""
    if r.read_exact(6) != NPY_MAGIC:
        raise NpyError("missing .npy magic")
    major, _minor = r.read_exact(2)
    if major == 1:
        (n,) = struct.unpack("<H", r.read_exact(2))
    elif major in (2, 3):
        (n,) = struct.unpack("<I", r.read_exact(4))
    else:
        raise NpyError(f"unsupported .npy version {major}")
    if n > _MAX_HEADER:
        raise NpyError(f".npy header of {n} bytes is implausibly large")
    raw = r.read_exact(n)
    try:
        text = raw.decode("utf-8" if major == 3 else "latin-1")
        try:  # "invalid decimal literal" and the like are rewritten away, not filtered
            header = literal(text)  # (a warnings filter is process-wide: not thread-safe)
        except SyntaxError:
            if major > 2:
                raise
            header = literal(_without_py2_longs(text))  # numpy accepts `1L`
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError,
            tokenize.TokenError, TypeError):  # TypeError: an unhashable key, `{[1]: 2}`
        raise NpyError(".npy header is not a Python literal") from None
    if not isinstance(header, dict) or not {"descr", "fortran_order", "shape"} <= set(header):
        raise NpyError(".npy header lacks descr/fortran_order/shape")
    return header


def _without_py2_longs(text: str) -> str:
    """The header with Python 2 long literals (``3L``) written as plain integers, as numpy's
    reader does for version 1 and 2 files."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        value = tok.string
        if tok.type == tokenize.NUMBER and value[-1:] in ("L", "l"):
            value = value[:-1]
        elif tok.type == tokenize.NAME and out and out[-1][0] == tokenize.NUMBER and \
                value in ("L", "l"):
            continue  # Python 3's tokenizer splits 1L into NUMBER 1, NAME L
        out.append((tok.type, value))
    return tokenize.untokenize(out)


def descr_has_object(descr: Any) -> bool:
    """True when a .npy ``descr`` holds Python objects (the data is then a pickle)."""
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, list | tuple):
        return any(descr_has_object(part) for part in descr)
    return False


_CODE = re.compile(r"^[<>|=]?([a-zA-Z?])(\d*)")
_FIXED = {"?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8, "q": 8,
          "Q": 8, "e": 2, "f": 4, "d": 8, "g": 16, "F": 8, "D": 16, "G": 32, "O": 8}


def dtype_of_symbol(value: Any) -> tuple[int | None, bool]:
    """(itemsize, has_object) of a symbolic ``numpy.dtype(descr, …)`` value from a pickle."""
    if not (isinstance(value, Call) and isinstance(value.func, Global)
            and value.func.full in ("numpy.dtype", "numpy.core.multiarray.dtype")):
        return None, False
    args, state = value.args, value.state
    descr = args[0] if isinstance(args, tuple) and args else None
    elsize = state[5] if isinstance(state, tuple) and len(state) > 7 else -1
    flags = state[7] if isinstance(state, tuple) and len(state) > 7 else 0
    has_object = bool(isinstance(flags, int) and flags & 1)
    if isinstance(descr, str) and descr.startswith("O"):
        has_object = True
    if isinstance(elsize, int) and elsize > 0:
        return elsize, has_object
    if not isinstance(descr, str):
        return None, has_object
    m = _CODE.match(descr)
    if not m:
        return None, has_object
    code, digits = m.groups()
    if digits:
        return int(digits), has_object
    return _FIXED.get(code), has_object
