"""UBJSON (the binary JSON XGBoost saves as ``.ubj``) read without a recursive parser.

Two readers need it, neither wanting xgboost imported: the scanner's check for what XGBoost's
own recursive reader would choke on (:mod:`trojanscope.scan.xgboost_doc`: depth, declared
sizes) and the early read of a model's feature names (:mod:`trojanscope.io.model_kind`). Each
container is walked with an explicit stack, never Python recursion; a declared size past the
file's end is an error here, never an allocation. Standard library only.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

__all__ = ["MAX_DEPTH", "UBJError", "UBJReader"]

MAX_DEPTH = 64  # real XGBoost models nest about six levels
INTS = {b"i": (1, "b"), b"U": (1, "B"), b"I": (2, ">h"), b"l": (4, ">i"), b"L": (8, ">q")}
FIXED = {**{k: v[0] for k, v in INTS.items()}, b"d": 4, b"D": 8, b"C": 1, b"T": 0, b"F": 0,
         b"Z": 0, b"N": 0}  # each marker's payload size
OPEN = {b"{": b"}", b"[": b"]"}


class UBJError(ValueError):
    """Not UBJSON this reader takes (cut short, an unknown marker, a size past the end)."""


class UBJReader:
    """A cursor over a UBJSON document in memory."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes; a :class:`UBJError` where they run past the end."""
        if n < 0 or self.pos + n > len(self.data):
            raise UBJError(f"declares {n:,} bytes at byte {self.pos:,}, past the end")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def peek(self) -> bytes:
        """The next byte, not taken (empty at the end)."""
        return self.data[self.pos : self.pos + 1]

    def integer(self, marker: bytes | None = None) -> int:
        """An integer of the type ``marker`` names (read first where not given): a length."""
        marker = marker or self.take(1)
        if marker not in INTS:
            raise UBJError(f"expected a length at byte {self.pos - 1:,}")
        size, fmt = INTS[marker]
        return struct.unpack(fmt, self.take(size))[0]

    def text(self, size: int) -> str:
        """``size`` bytes as UTF-8 (a key, or a string's payload)."""
        try:
            return self.take(size).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UBJError(f"a string that is not UTF-8 at byte {self.pos - size:,}") from exc

    def scalar(self, marker: bytes) -> None:
        """Skip a value that is no container."""
        if marker in (b"S", b"H"):
            self.take(self.integer())
        elif marker in FIXED:
            self.take(FIXED[marker])
        else:
            raise UBJError(f"unknown marker {marker!r} at byte {self.pos - 1:,}")

    def container_head(self) -> tuple[bytes | None, int | None]:
        """After ``{`` or ``[``: its optional ``$`` item type and ``#`` count."""
        kind = count = None
        if self.peek() == b"$":
            self.pos += 1
            kind = self.take(1)
        if self.peek() == b"#":
            self.pos += 1
            count = self.integer()
            if count < 0 or count * max(FIXED.get(kind or b"", 1), 1) > len(self.data):
                raise UBJError(f"a container declares {count:,} items, more than the file holds")
        elif kind is not None:
            raise UBJError("a typed container without a count")
        return kind, count

    def members(self, marker: bytes) -> Iterator[tuple[str | None, bytes]]:
        """Each item of the container ``marker`` opened: (its key, or None in an array; its
        value's marker), the reader left at the value, which the caller reads or skips
        (:meth:`skip`) before asking for the next."""
        kind, count = self.container_head()
        seen = 0
        while count is None or seen < count:
            if count is None and self.peek() == OPEN[marker]:
                self.pos += 1
                return
            seen += 1
            key = self.text(self.integer()) if marker == b"{" else None
            yield key, kind or self.take(1)

    def skip(self, marker: bytes) -> None:
        """Skip the value ``marker`` starts, containers nested at most :data:`MAX_DEPTH`
        deep."""
        # each open container: [is_object, items left (None: until its end marker), type]
        stack: list[list] = []
        self._open(marker, stack)
        while stack:
            top = stack[-1]
            if top[1] == 0:
                stack.pop()
                continue
            if top[1] is None and self.peek() == (b"}" if top[0] else b"]"):
                self.pos += 1
                stack.pop()
                continue
            if top[1] is not None:
                top[1] -= 1
            if top[0]:
                self.take(self.integer())  # the key
            self._open(top[2] or self.take(1), stack)

    def _open(self, marker: bytes, stack: list[list]) -> None:
        if marker not in OPEN:
            self.scalar(marker)
            return
        if len(stack) >= MAX_DEPTH:
            raise UBJError(f"nested deeper than {MAX_DEPTH} levels")
        kind, count = self.container_head()
        if kind is not None and kind in FIXED and count is not None:
            self.take(count * FIXED[kind])  # a typed array of fixed-size numbers
            return
        stack.append([marker == b"{", count, kind])
