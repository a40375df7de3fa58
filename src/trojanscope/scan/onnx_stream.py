"""External-data locations of an ONNX model read straight from the protobuf wire format, for
models too large to parse in memory: only the messages that can hold tensors are entered
(graphs, nodes, attributes, functions, sparse tensors); tensor bytes are skipped, so memory
stays small whatever the file size."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from trojanscope.io.protobuf_wire import WireError, fields
from trojanscope.scan.budget import CHECK_MASK
from trojanscope.scan.stream import Reader

# message -> {field number: message type of that field} (only the paths to TensorProto)
_PATHS: dict[str, dict[int, str]] = {
    "model": {7: "graph", 25: "function"},
    "graph": {1: "node", 5: "tensor", 15: "sparse"},
    "function": {7: "node"},
    "node": {5: "attribute"},
    "attribute": {5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse",
                  23: "sparse"},
    "sparse": {1: "tensor", 2: "tensor"},
}
_MAX_DEPTH = 64
_MAX_TEXT = 1 << 16  # a longer tensor name is skipped; a longer external-data string refused


def _tensor(r: Reader, end: int) -> tuple[str, dict[str, str]]:
    name, entries = "", {}
    for number, wire, value in fields(r, end):
        if wire != 2:
            continue
        if number == 8 and value <= _MAX_TEXT:
            name = r.read_exact(value).decode("utf-8", "replace")
        elif number == 13:
            key, val = _entry(r, r.pos + value)
            entries[key] = val
        else:
            r.skip(value)
    return name, entries


def _entry(r: Reader, end: int) -> tuple[str, str]:
    """(key, value) of one StringStringEntryProto. Every field it holds is read or skipped
    whole, as protobuf does: an unknown field left unread would be parsed from its inside and
    could stand in for the real key. A string over :data:`_MAX_TEXT` is not read into memory:
    a key that long is no ``location`` (the entry's key comes back empty), the value of another
    key is not needed (ONNX Runtime keeps any ``checksum``), and a location that long is a
    WireError (TS311): no real path is."""
    key: str | None = ""
    val, long_val = "", 0
    for number, wire, value in fields(r, end):
        if wire != 2:
            continue
        if number in (1, 2) and value > _MAX_TEXT:
            r.skip(value)
            if number == 1:
                key = None
            else:
                val, long_val = "", value
        elif number in (1, 2):
            # the bytes kept (as escapes), like onnx_fmt._text: ONNX Runtime opens the
            # location's real bytes, not a U+FFFD stand-in
            text = r.read_exact(value).decode("utf-8", "surrogateescape")
            if number == 1:
                key = text
            else:
                val, long_val = text, 0
        else:
            r.skip(value)
    if key == "location" and long_val:
        raise WireError(f"an external-data location holds a {long_val:,}-byte string")
    return key or "", val


def external_locations(r: Reader, size: int, check: Callable[[], None] = lambda: None
                       ) -> Iterator[tuple[str, str]]:
    """(tensor name, location) of every tensor with an external-data location; ``check`` is
    called now and then (it raises to stop, e.g. at the time limit)."""
    stack: list[tuple[str, int]] = [("model", size)]
    steps = 0
    while stack:
        steps += 1
        if not steps & CHECK_MASK:
            check()
        kind, end = stack[-1]
        if r.pos >= end:
            stack.pop()
            if r.pos > end:
                raise WireError("message runs past its parent")
            continue
        field = next(fields(r, end), None)
        if field is None:
            continue
        number, wire, value = field
        child = _PATHS.get(kind, {}).get(number) if wire == 2 else None
        if child is None:
            if wire == 2:
                r.skip(value)
            continue
        if child == "tensor":
            name, entries = _tensor(r, r.pos + value)
            if "location" in entries:
                yield name, entries["location"]
            continue
        if len(stack) > _MAX_DEPTH:
            raise WireError("graphs nested too deep")
        stack.append((child, r.pos + value))


__all__ = ["WireError", "external_locations"]
