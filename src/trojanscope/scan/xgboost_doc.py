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

__all__ = ["MAX_DEPTH", "xgboost_document_problem"]

MAX_DEPTH = 64
_INTS = {b"i": (1, "b"), b"U": (1, "B"), b"I": (2, ">h"), b"l": (4, ">i"), b"L": (8, ">q")}
_FIXED = {
    **{k: v[0] for k, v in _INTS.items()},
    b"d": 4,
    b"D": 8,
    b"C": 1,
    b"T": 0,
    b"F": 0,
    b"Z": 0,
    b"N": 0,
}


class _Bad(ValueError):
    pass


class _UBJ:
    """A non-recursive walk over UBJSON: nesting depth and declared sizes only."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _Bad(f"declares {n:,} bytes at byte {self.pos:,}, past the end")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def integer(self, marker: bytes | None = None) -> int:
        marker = marker or self.take(1)
        if marker not in _INTS:
            raise _Bad(f"expected a length at byte {self.pos - 1:,}")
        size, fmt = _INTS[marker]
        return struct.unpack(fmt, self.take(size))[0]

    def scalar(self, marker: bytes) -> None:
        if marker in (b"S", b"H"):
            self.take(self.integer())
        elif marker in _FIXED:
            self.take(_FIXED[marker])
        else:
            raise _Bad(f"unknown marker {marker!r} at byte {self.pos - 1:,}")

    def walk(self) -> None:
        # each open container: [is_object, items left (None: until its end marker), type]
        stack: list[list] = []
        self._value(self.take(1), stack)
        while stack:
            top = stack[-1]
            if top[1] == 0:
                stack.pop()
                continue
            if top[1] is None:
                end = b"}" if top[0] else b"]"
                if self.data[self.pos : self.pos + 1] == end:
                    self.pos += 1
                    stack.pop()
                    continue
            if top[1] is not None:
                top[1] -= 1
            if top[0]:
                self.take(self.integer())  # the key
            self._value(top[2] or self.take(1), stack)

    def _value(self, marker: bytes, stack: list[list]) -> None:
        if marker not in (b"{", b"["):
            self.scalar(marker)
            return
        if len(stack) >= MAX_DEPTH:
            raise _Bad(f"nested deeper than {MAX_DEPTH} levels")
        kind = count = None
        if self.data[self.pos : self.pos + 1] == b"$":
            self.pos += 1
            kind = self.take(1)
        if self.data[self.pos : self.pos + 1] == b"#":
            self.pos += 1
            count = self.integer()
            if count < 0 or count * max(_FIXED.get(kind or b"", 1), 1) > len(self.data):
                raise _Bad(f"a container declares {count:,} items, more than the file holds")
        elif kind is not None:
            raise _Bad("a typed container without a count")
        if kind is not None and kind in _FIXED and kind not in (b"{", b"["):
            self.take(count * _FIXED[kind])  # a typed array of fixed-size numbers
            return
        stack.append([marker == b"{", count, kind])


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
        _UBJ(data).walk()
    except (_Bad, ValueError, UnicodeDecodeError, struct.error) as exc:
        return f"not a document XGBoost can read safely ({exc})"
    return None
