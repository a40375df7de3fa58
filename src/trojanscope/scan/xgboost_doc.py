"""What XGBoost's C++ reader would choke on in a model document, found in Python first.

XGBoost parses JSON and UBJSON with recursive readers: a document nested a million levels deep
overflows the C stack (a segmentation fault, measured with xgboost 3.2, stop 36), and a typed
UBJSON array may declare more items than the file holds (an allocation of that size). Real
models nest about six levels. The loader refuses what this module names; the scanner reports it
(TS340).
"""

from __future__ import annotations

import struct

from trojanscope.io.json_file import loads
from trojanscope.io.ubjson import MAX_DEPTH, UBJError, UBJReader

__all__ = ["MAX_DEPTH", "xgboost_document_problem"]


def _json_depth(value: object) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [
            v
            for x in level
            if isinstance(x, dict | list)
            for v in (x.values() if isinstance(x, dict) else x)
        ]
    return depth


def xgboost_document_problem(data: bytes) -> str | None:
    """Why XGBoost's reader must not be given ``data`` (JSON or UBJSON), or None."""
    try:
        if data.lstrip()[:1] == b"{" and data.lstrip()[1:2] in (b'"', b" ", b"\n", b"}"):
            if _json_depth(loads(data)) > MAX_DEPTH:
                return f"nested deeper than {MAX_DEPTH} levels"
            return None
        reader = UBJReader(data)  # the walk: io.ubjson
        reader.skip(reader.take(1))
    except (UBJError, ValueError, UnicodeDecodeError, struct.error) as exc:
        return f"not a document XGBoost can read safely ({exc})"
    return None
