"""An ONNX model's per-sample input shape and its classical operators, read from the file's
protobuf without importing onnx.

``import onnx`` costs about 1.4 CPU seconds (stop 66, a 2-core machine) and ``onnx.load``
parses every weight; a command that only needs to know what the model takes (the early data
checks in :mod:`trojanscope.cli.early_model`) reads the wire format here instead (with the
scanner's walker, :mod:`trojanscope.io.protobuf_wire`), seeking past every field it does not need
(weights included). It answers exactly what
:func:`trojanscope.io.onnx_import.infer_input_shape` answers on the loaded model (the graph's
one input that is no initializer, its static dims after the batch dim), or None wherever the
file holds anything it does not read with certainty (a repeated message field protobuf would
merge, a group, a cut-short field, a non-tensor input type). Stop 67: the graph's nodes'
operator domains too, so a graph of ``ai.onnx.ml`` operators (what skl2onnx writes) is refused
before the imports in the loader's words (:func:`classical_words`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from trojanscope.io.protobuf_wire import GROUP_START, LENGTH, WireError, fields

MODEL_IR_VERSION, MODEL_GRAPH = 1, 7  # ModelProto.ir_version, .graph
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_INPUT = 1, 5, 11  # GraphProto.node, .initializer, .input
NODE_OP_TYPE, NODE_DOMAIN = 4, 7  # NodeProto
TENSOR_NAME = 8  # TensorProto.name
VALUE_NAME, VALUE_TYPE = 1, 2  # ValueInfoProto.name, .type
TYPE_TENSOR, TYPE_DENOTATION = 1, 6  # TypeProto.tensor_type (oneof value), .denotation
TENSOR_SHAPE = 2  # TypeProto.Tensor.shape
SHAPE_DIM = 1  # TensorShapeProto.dim
DIM_VALUE, DIM_PARAM = 1, 2  # TensorShapeProto.Dimension.dim_value / dim_param (a oneof)
MAX_NAME = 1 << 16  # bytes of a name read; a longer one is not a name this check needs
MAX_FIELDS = 1 << 20  # fields of one message; more: not read here (garbage of small varints)
ML_DOMAIN = "ai.onnx.ml"  # ONNX-ML: the classical operators (trees, imputers, ZipMap)


class _Unsure(Exception):
    """The file holds something this reader does not read with certainty."""


@dataclass(frozen=True)
class OnnxHeader:
    """What the early checks read of an ONNX file: the per-sample input ``shape`` (as
    ``infer_input_shape``; None where the graph does not fix it or it is not read with
    certainty) and the ``classical`` (``ai.onnx.ml``) operators of the main graph's nodes,
    which the loader refuses first, whatever the opset or data (:func:`classical_words`; none
    named where the IR version is 0: the loader says the file does not read)."""

    shape: tuple[int, ...] | None
    classical: tuple[str, ...] = ()


def onnx_input_shape(path: str | Path) -> tuple[int, ...] | None:
    """The model's per-sample input shape (e.g. C, H, W), as the loader will infer it, or None
    where the graph does not fix it or the file is not read here with certainty."""
    header = read_header(path)
    return None if header is None else header.shape


def read_header(path: str | Path) -> OnnxHeader | None:
    """The :class:`OnnxHeader` of the ONNX file at ``path``, or None where the file does not
    read here (not protobuf, cut short, a graph field twice: the loader names it)."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            ir_version, graphs = 0, []
            for field, value in _fields(fh, 0, size):
                if field == MODEL_IR_VERSION:
                    ir_version = value if isinstance(value, int) else 0
                elif field == MODEL_GRAPH:
                    graphs.append(value)
            if len(graphs) != 1 or not isinstance(graphs[0], tuple):
                return None
            shape, classical = _graph(fh, *graphs[0])
            return OnnxHeader(shape, classical if ir_version else ())
    except (OSError, WireError, _Unsure):
        return None


def classical_words(where: str, classical: list[str] | tuple[str, ...]) -> str:
    """The loader's refusal of a graph with ``ai.onnx.ml`` operators (stop 66: a scikit-learn
    pipeline by skl2onnx got the list of every operator; stop 67: an ``MLPClassifier`` too,
    whose label and probability outputs skl2onnx writes with them), said early and late."""
    return (f"{where}: an ONNX graph with scikit-learn-style operators ({', '.join(classical[:4])}"
            f"{', …' if len(classical) > 4 else ''}: what skl2onnx or onnxmltools write, for "
            "any scikit-learn model); trojanscope reads ONNX graphs of the standard operators "
            "(neural networks exported by torch.onnx or tf2onnx), and tree ensembles from "
            "their library's own file: XGBoost's save_model('model.json'), LightGBM's "
            "booster_.save_model('model.txt'); scikit-learn's own models are not read")


def _graph(fh: BinaryIO, start: int, end: int
           ) -> tuple[tuple[int, ...] | None, tuple[str, ...]]:
    """The graph's input shape (None where unsure) and its classical operators (sorted, as the
    loader names them)."""
    initializers: set[str] = set()
    inputs: list[tuple[int, int]] = []
    ops: set[str] = set()
    for field, span in _fields(fh, start, end):
        if field == GRAPH_INITIALIZER:
            initializers.add(_tensor_name(fh, _span(span)))
        elif field == GRAPH_INPUT:
            inputs.append(_span(span))
        elif field == GRAPH_NODE:
            domain, op_type = _node(fh, _span(span))
            if domain == ML_DOMAIN:
                ops.add(f"{domain}.{op_type}")
    try:
        shape = _input_shape(fh, inputs, initializers)
    except _Unsure:
        shape = None
    return shape, tuple(sorted(ops))


def _input_shape(fh: BinaryIO, inputs: list[tuple[int, int]], initializers: set[str]
                 ) -> tuple[int, ...] | None:
    described = [_value_info(fh, span) for span in inputs]
    left = [shape for name, shape in described if name not in initializers]
    if len(left) != 1 or left[0] is None:
        return None
    dims = _dims(fh, left[0])
    if dims is None or len(dims) < 2 or any(d is None or d <= 0 for d in dims[1:]):
        return None
    return tuple(int(d) for d in dims[1:])  # type: ignore[arg-type]


def _tensor_name(fh: BinaryIO, span: tuple[int, int]) -> str:
    """An initializer's name, the last of a repeated field winning."""
    names = [_span(v) for f, v in _fields(fh, *span) if f == TENSOR_NAME]
    return _read(fh, names[-1]) if names else ""


def _node(fh: BinaryIO, span: tuple[int, int]) -> tuple[str, str]:
    """A node's (domain, op_type), the last of a repeated field winning."""
    domain = op_type = ""
    for field, value in _fields(fh, *span):
        if field == NODE_DOMAIN:
            domain = _read(fh, _span(value))
        elif field == NODE_OP_TYPE:
            op_type = _read(fh, _span(value))
    return domain, op_type


def _int64(value: int | tuple[int, int]) -> int:
    if not isinstance(value, int):
        raise _Unsure
    return value - (1 << 64) if value >= 1 << 63 else value


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
                dim = _int64(v)
            elif inner == DIM_PARAM:
                dim = None  # the oneof's last field wins
        dims.append(dim)
    return dims


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
