"""An ONNX model's per-sample input shape, read from the file's protobuf without importing onnx.

``import onnx`` costs about 1.4 CPU seconds (stop 66, a 2-core machine) and ``onnx.load``
parses every weight; a command that only needs to know what the model takes (the early data
checks in :mod:`trojanscope.cli.early_model`) reads the wire format here instead (with the
scanner's walker, :mod:`trojanscope.io.protobuf_wire`), seeking past every field it does not need
(weights included). It answers exactly what
:func:`trojanscope.io.onnx_import.infer_input_shape` answers on the loaded model (the graph's
one input that is no initializer, its static dims after the batch dim), or None wherever the
file holds anything it does not read with certainty (a repeated message field protobuf would
merge, a group, a cut-short field, a non-tensor input type).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from trojanscope.io.protobuf_wire import GROUP_START, LENGTH, WireError, fields

MODEL_GRAPH = 7  # ModelProto.graph
GRAPH_INITIALIZER, GRAPH_INPUT = 5, 11  # GraphProto.initializer, .input
TENSOR_NAME = 8  # TensorProto.name
VALUE_NAME, VALUE_TYPE = 1, 2  # ValueInfoProto.name, .type
TYPE_TENSOR, TYPE_DENOTATION = 1, 6  # TypeProto.tensor_type (oneof value), .denotation
TENSOR_SHAPE = 2  # TypeProto.Tensor.shape
SHAPE_DIM = 1  # TensorShapeProto.dim
DIM_VALUE, DIM_PARAM = 1, 2  # TensorShapeProto.Dimension.dim_value / dim_param (a oneof)
MAX_NAME = 1 << 16  # bytes of a name read; a longer one is not a name this check needs
MAX_FIELDS = 1 << 20  # fields of one message; more: not read here (garbage of small varints)


class _Unsure(Exception):
    """The file holds something this reader does not read with certainty."""


def onnx_input_shape(path: str | Path) -> tuple[int, ...] | None:
    """The model's per-sample input shape (e.g. C, H, W), as the loader will infer it, or None
    where the graph does not fix it or the file is not read here with certainty."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            graphs = [span for field, span in _fields(fh, 0, size) if field == MODEL_GRAPH]
            if len(graphs) != 1 or not isinstance(graphs[0], tuple):
                return None
            return _graph_shape(fh, *graphs[0])
    except (OSError, WireError, _Unsure):
        return None


def _graph_shape(fh: BinaryIO, start: int, end: int) -> tuple[int, ...] | None:
    initializers: set[str] = set()
    inputs: list[tuple[str, tuple[int, int] | None]] = []
    for field, span in _fields(fh, start, end):
        if field == GRAPH_INITIALIZER:
            initializers.add(_name(fh, _span(span), TENSOR_NAME))
        elif field == GRAPH_INPUT:
            inputs.append(_value_info(fh, _span(span)))
    left = [shape for name, shape in inputs if name not in initializers]
    if len(left) != 1 or left[0] is None:
        return None
    dims = _dims(fh, left[0])
    if dims is None or len(dims) < 2 or any(d is None or d <= 0 for d in dims[1:]):
        return None
    return tuple(int(d) for d in dims[1:])  # type: ignore[arg-type]


def _value_info(fh: BinaryIO, span: tuple[int, int]) -> tuple[str, tuple[int, int] | None]:
    """An input's name and the span of its tensor shape (None: no shape, or not a tensor)."""
    name, types = "", []
    for field, value in _fields(fh, *span):
        if field == VALUE_NAME:
            name = _read(fh, _span(value))
        elif field == VALUE_TYPE:
            types.append(_span(value))
    if len(types) > 1:
        raise _Unsure  # protobuf merges repeated message fields
    if not types:
        return name, None
    tensor = [(f, v) for f, v in _fields(fh, *types[0]) if f != TYPE_DENOTATION]
    if len(tensor) != 1 or tensor[0][0] != TYPE_TENSOR:
        if not tensor:
            return name, None
        raise _Unsure  # a sequence, map or optional type (or a merge): not a plain tensor
    shapes = [_span(v) for f, v in _fields(fh, *_span(tensor[0][1])) if f == TENSOR_SHAPE]
    if len(shapes) > 1:
        raise _Unsure
    return name, shapes[0] if shapes else None


def _dims(fh: BinaryIO, span: tuple[int, int]) -> list[int | None] | None:
    """Each dim's static value (None: a named or unknown one)."""
    dims: list[int | None] = []
    for field, value in _fields(fh, *span):
        if field != SHAPE_DIM:
            continue
        dim: int | None = None
        for inner, v in _fields(fh, *_span(value)):
            if inner == DIM_VALUE:
                if not isinstance(v, int):
                    raise _Unsure
                dim = v - (1 << 64) if v >= 1 << 63 else v  # int64
            elif inner == DIM_PARAM:
                dim = None  # the oneof's last field wins
        dims.append(dim)
    return dims


def _name(fh: BinaryIO, span: tuple[int, int], field_number: int) -> str:
    names = [_span(v) for f, v in _fields(fh, *span) if f == field_number]
    return _read(fh, names[-1]) if names else ""


def _read(fh: BinaryIO, span: tuple[int, int]) -> str:
    start, end = span
    if end - start > MAX_NAME:
        raise _Unsure
    fh.seek(start)
    try:
        return fh.read(end - start).decode("utf-8")
    except UnicodeDecodeError:
        raise _Unsure from None


def _span(value: int | tuple[int, int]) -> tuple[int, int]:
    if not isinstance(value, tuple):
        raise _Unsure  # a varint where a message or string belongs
    return value


class _FileSpan:
    """A :class:`~trojanscope.io.protobuf_wire.WireSource` over ``[start, end)`` of an open
    file; it seeks before every read, so spans of one file can be walked nested."""

    def __init__(self, fh: BinaryIO, start: int, end: int) -> None:
        self.fh, self.pos, self.end = fh, start, end

    def read_byte(self) -> int:
        if self.pos >= self.end:
            raise _Unsure  # a field cut short by its message's end
        self.fh.seek(self.pos)
        byte = self.fh.read(1)
        if not byte:
            raise _Unsure
        self.pos += 1
        return byte[0]

    def skip(self, n: int) -> None:
        self.pos += n


def _fields(fh: BinaryIO, start: int, end: int) -> Iterator[tuple[int, int | tuple[int, int]]]:
    """Each field of the message in ``[start, end)``: (number, varint value or the byte span
    of a length-delimited value); fixed-width values are skipped (yielded as 0). A group is
    unsure: no ONNX field is one."""
    span = _FileSpan(fh, start, end)
    for count, (number, wire, value) in enumerate(fields(span, end), 1):
        if count > MAX_FIELDS or wire == GROUP_START:
            raise _Unsure
        if wire == LENGTH:
            yield number, (span.pos, span.pos + value)
            span.skip(value)
        else:
            yield number, value
