"""Thrift's compact protocol, read without a schema (Parquet's footer and page headers use it).

A struct is read as a list of ``(field id, type, value)``: integers as Python ints (zigzag
undone), binary as bytes, lists and sets as ``(element type, [values])``, maps as ``(key type,
value type, [(key, value)])``, nested structs as lists again. Lengths are checked against the
bytes at hand and nesting is capped, so a hostile header is one :class:`ThriftError`, never a
large allocation or a deep recursion.
"""

from __future__ import annotations

import struct
from typing import Any

from trojanscope.io.protobuf_wire import WireError, read_varint

__all__ = ["BINARY", "LIST", "MAP", "SET", "STRUCT", "Field", "ThriftError", "read_struct"]

STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)
MAX_DEPTH = 32
MAX_ELEMENTS = 1 << 20  # list, set and map elements in one struct (ordinary page headers: a few)

Field = tuple[int, int, Any]


class ThriftError(ValueError):
    """Bytes that are not a compact-protocol struct."""


class _Reader:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos
        self.elements = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ThriftError("ends inside a struct")
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self) -> int:
        try:
            return read_varint(self.byte)  # the same base-128 varint as protobuf's
        except WireError:
            raise ThriftError("a varint longer than 10 bytes") from None

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ThriftError("a length past the end")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def size(self) -> int:
        n = self.varint()
        if n > len(self.data) - self.pos:  # every element takes at least one byte
            raise ThriftError("a count past the end")
        return n

    def count(self, n: int) -> None:
        """Charge ``n`` container elements against the struct's budget."""
        self.elements += n
        if self.elements > MAX_ELEMENTS:
            raise ThriftError(f"more than {MAX_ELEMENTS:,} list or map elements")

    def element(self, kind: int, depth: int) -> Any:
        """A list, set or map element: booleans there are a byte each, not folded in the type."""
        if kind in (TRUE, FALSE):
            return self.byte() == TRUE
        return self.value(kind, depth)

    def value(self, kind: int, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ThriftError("nested too deeply")
        if kind in (TRUE, FALSE):
            return kind == TRUE
        if kind == BYTE:
            return self.byte()
        if kind in (I16, I32, I64):
            return self.zigzag()
        if kind == DOUBLE:
            return struct.unpack("<d", self.take(8))[0]
        if kind == BINARY:
            return self.take(self.size())
        if kind in (LIST, SET):
            head = self.byte()
            count, elem = head >> 4, head & 0x0F
            if count == 15:
                count = self.size()
            self.count(count)
            return elem, [self.element(elem, depth + 1) for _ in range(count)]
        if kind == MAP:
            count = self.size()
            if not count:
                return 0, 0, []
            types = self.byte()
            key, val = types >> 4, types & 0x0F
            self.count(count)
            return (
                key,
                val,
                [
                    (self.element(key, depth + 1), self.element(val, depth + 1))
                    for _ in range(count)
                ],
            )
        if kind == STRUCT:
            return self.struct(depth + 1)
        raise ThriftError(f"unknown type {kind}")

    def struct(self, depth: int) -> list[Field]:
        fields: list[Field] = []
        last = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == STOP:
                return fields
            delta = head >> 4
            fid = last + delta if delta else self.zigzag()
            fields.append((fid, kind, self.value(kind, depth)))
            last = fid


def read_struct(data: bytes, pos: int = 0) -> tuple[list[Field], int]:
    """The struct that starts at ``data[pos]`` and the offset just past it."""
    reader = _Reader(data, pos)
    return reader.struct(0), reader.pos
