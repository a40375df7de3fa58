"""The protobuf wire format's primitives (varints, field keys, skipping), standard library only.

Shared by the two ONNX readers that never parse a whole model: the scanner's external-data
walk (:mod:`trojanscope.scan.onnx_stream`, over a streaming ``scan.stream.Reader``) and the
early input-shape read (:mod:`trojanscope.io.onnx_header`, seeking in a file). Each keeps its
own middle (which messages it enters, what it refuses); the bytes are read the same way here,
as protobuf reads them: a varint of at most 10 bytes, no field number 0, an unknown group
skipped to its matching end, no field running past its message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

VARINT, FIXED64, LENGTH, GROUP_START, GROUP_END, FIXED32 = 0, 1, 2, 3, 4, 5
MAX_GROUP_DEPTH = 64


class WireError(ValueError):
    """Not a valid protobuf message."""


class WireSource(Protocol):
    """What the field walk needs of a byte source: an offset, one byte, a forward skip."""

    @property
    def pos(self) -> int: ...

    def read_byte(self) -> int: ...

    def skip(self, n: int) -> None: ...


def read_varint(read_byte: Callable[[], int]) -> int:
    """A base-128 varint of at most 10 bytes (WireError past that)."""
    value = shift = 0
    while True:
        b = read_byte()
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def read_key(r: WireSource) -> tuple[int, int]:
    """A field's (number, wire type); field number 0 is no field (protobuf refuses it)."""
    key = read_varint(r.read_byte)
    if key >> 3 == 0:
        raise WireError("field number 0")
    return key >> 3, key & 7


def fields(r: WireSource, end: int) -> Iterator[tuple[int, int, int]]:
    """(field number, wire type, value) of each field up to offset ``end``: a varint's value;
    a length-delimited field's length, its bytes left for the caller to read or skip before
    the next field; 0 for a fixed-width field or a group, already skipped."""
    while r.pos < end:
        number, wire = read_key(r)
        if wire == VARINT:
            yield number, wire, read_varint(r.read_byte)
        elif wire in (FIXED64, FIXED32):
            r.skip(8 if wire == FIXED64 else 4)
            yield number, wire, 0
        elif wire == LENGTH:
            length = read_varint(r.read_byte)
            if r.pos + length > end:
                raise WireError("field runs past its message")
            yield number, wire, length
        elif wire == GROUP_START:
            skip_group(r, number, end)
            yield number, wire, 0
        else:
            raise WireError(f"unsupported wire type {wire}")
    if r.pos != end:
        raise WireError("message ends inside a field")


def skip_group(r: WireSource, number: int, end: int) -> None:
    """Skip a (deprecated) group up to its matching end, as protobuf skips an unknown one: no
    field of an ONNX message is a group, but protobuf and ONNX Runtime still parse a model
    that holds one where they look for none (refusing it hid every location, stop 43)."""
    open_groups = [number]
    while open_groups:
        if r.pos >= end:
            raise WireError("group runs past its message")
        number, wire = read_key(r)
        if wire == VARINT:
            read_varint(r.read_byte)
        elif wire in (FIXED64, FIXED32):
            r.skip(8 if wire == FIXED64 else 4)
        elif wire == LENGTH:
            length = read_varint(r.read_byte)
            if r.pos + length > end:
                raise WireError("field runs past its message")
            r.skip(length)
        elif wire == GROUP_START:
            if len(open_groups) >= MAX_GROUP_DEPTH:
                raise WireError("groups nested too deep")
            open_groups.append(number)
        elif wire == GROUP_END and open_groups[-1] == number:
            open_groups.pop()
        else:
            raise WireError(f"wire type {wire} (field {number}) inside a group")
    if r.pos > end:
        raise WireError("group runs past its message")


__all__ = ["WireError", "WireSource", "fields", "read_key", "read_varint", "skip_group"]
