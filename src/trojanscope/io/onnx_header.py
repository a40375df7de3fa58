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
before the imports in the loader's words (:func:`classical_words`). Stop 68: not where the loader
reads the graph by its probability branch (:mod:`trojanscope.io.onnx_branch`: a scikit-learn
``MLPClassifier``), told by the same rule from the nodes' inputs and outputs.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from trojanscope.io.onnx_branch import ML_DOMAIN, GraphNode, probability_branch
from trojanscope.io.protobuf_wire import GROUP_START, LENGTH, VARINT, WireError, fields

MODEL_IR_VERSION, MODEL_GRAPH, MODEL_OPSET = 1, 7, 8  # ModelProto.ir_version, .graph, .opset_import
OPSET_DOMAIN, OPSET_VERSION = 1, 2  # OperatorSetIdProto.domain, .version
MIN_OPSET, MAX_OPSET = 11, 21  # the ai.onnx opsets the loader reads (io/onnx_import.py)
DEFAULT_DOMAINS = ("", "ai.onnx")
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_OUTPUT = 1, 5, 11, 12  # GraphProto
NODE_INPUT, NODE_OUTPUT, NODE_OP_TYPE, NODE_DOMAIN = 1, 2, 4, 7  # NodeProto
TENSOR_NAME, TENSOR_EXTERNAL, TENSOR_LOCATION = 8, 13, 14  # TensorProto.name, .external_data,
# .data_location (EXTERNAL = 1); external_data holds StringStringEntryProto key = 1, value = 2
EXTERNAL, ENTRY_KEY, ENTRY_VALUE = 1, 1, 2
VALUE_NAME, VALUE_TYPE = 1, 2  # ValueInfoProto.name, .type
TYPE_TENSOR, TYPE_DENOTATION = 1, 6  # TypeProto.tensor_type (oneof value), .denotation
TENSOR_ELEM_TYPE, TENSOR_SHAPE = 1, 2  # TypeProto.Tensor.elem_type, .shape
FLOAT_TYPES = (1, 10, 11)  # TensorProto.FLOAT, FLOAT16, DOUBLE
SHAPE_DIM = 1  # TensorShapeProto.dim
DIM_VALUE, DIM_PARAM = 1, 2  # TensorShapeProto.Dimension.dim_value / dim_param (a oneof)
MAX_NAME = 1 << 16  # bytes of a name read; a longer one is not a name this check needs
MAX_FIELDS = 1 << 20  # fields of one message; more: not read here (garbage of small varints)


# ModelProto's fields and their wire types (ir_version, producer_name, producer_version, domain,
# model_version, doc_string, graph, opset_import, metadata_props, training_info, functions,
# configuration: onnx 1.18's device configurations, stop 68 hrev)
MODEL_FIELDS = {1: VARINT, 2: LENGTH, 3: LENGTH, 4: LENGTH, 5: VARINT, 6: LENGTH, 7: LENGTH,
                8: LENGTH, 14: LENGTH, 20: LENGTH, 25: LENGTH, 26: LENGTH}
MAX_MODEL_FIELDS = 1 << 12  # top-level fields walked before the answer is "no"


class _Unsure(Exception):
    """The file holds something this reader does not read with certainty."""


@dataclass(frozen=True)
class OnnxHeader:
    """What the early checks read of an ONNX file: the per-sample input ``shape`` (as
    ``infer_input_shape``; None where the graph does not fix it or it is not read with
    certainty) and the ``classical`` (``ai.onnx.ml``) operators of the main graph's nodes
    where the loader refuses them first, whatever the opset or data (:func:`classical_words`;
    none named where the IR version is 0, where the loader says the file does not read, nor
    where it reads the graph's probability branch, :mod:`trojanscope.io.onnx_branch`)."""

    shape: tuple[int, ...] | None
    classical: tuple[str, ...] = ()
    # (stop 70, not compared) the main graph's initializers' external data locations, and the
    # first ai.onnx opset the file declares (None: none read)
    external: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    opset: int | None = dataclasses.field(default=None, compare=False)


def onnx_input_shape(path: str | Path) -> tuple[int, ...] | None:
    """The model's per-sample input shape (e.g. C, H, W), as the loader will infer it, or None
    where the graph does not fix it or the file is not read here with certainty."""
    header = read_header(path)
    return None if header is None else header.shape


def cached_header(path: str | Path) -> OnnxHeader | None:
    """:func:`read_header`, read once per file version: the early checks ask the same file
    for its input, its external data and its opset (keyed by the file's size and mtime, so a
    file written again is read again)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _header_of(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _header_of(path: str, size: int, mtime_ns: int) -> OnnxHeader | None:
    return read_header(path)


def read_header(path: str | Path) -> OnnxHeader | None:
    """The :class:`OnnxHeader` of the ONNX file at ``path``, or None where the file does not
    read here (not protobuf, cut short, a graph field twice: the loader names it)."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            ir_version, graphs, opsets = 0, [], []
            for field, value in _fields(fh, 0, size):
                if field == MODEL_IR_VERSION:
                    ir_version = value if isinstance(value, int) else 0
                elif field == MODEL_GRAPH:
                    graphs.append(value)
                elif field == MODEL_OPSET:
                    opsets.append(_opset_id(fh, _span(value)))
            if len(graphs) != 1 or not isinstance(graphs[0], tuple):
                return None
            shape, classical, external = _graph(fh, *graphs[0])
            versions = [v for d, v in opsets if d in DEFAULT_DOMAINS]
            return OnnxHeader(shape, classical if ir_version else (), external,
                              versions[0] if versions else None)
    except (OSError, WireError, _Unsure):
        return None


def walks_as_model(path: str | Path) -> bool:
    """Whether the file's top level walks as an ONNX ``ModelProto`` to its last byte: every
    field one of :data:`MODEL_FIELDS` with its wire type, an IR version first, one graph (stop
    68: an ONNX file whose producer names neither pytorch nor onnx, renamed from ``.onnx``;
    ONNX has no magic). Each field's length is read and skipped, no graph entered."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            span = _FileSpan(fh, 0, size)
            graphs = 0
            for count, (number, wire, value) in enumerate(fields(span, size)):
                if count >= MAX_MODEL_FIELDS or MODEL_FIELDS.get(number) != wire:
                    return False
                if count == 0 and number != MODEL_IR_VERSION:
                    return False
                if wire == LENGTH:
                    span.skip(value)
                graphs += number == MODEL_GRAPH
            return graphs == 1
    except (OSError, WireError, _Unsure):
        return False


def classical_words(where: str, classical: list[str] | tuple[str, ...]) -> str:
    """The loader's refusal of a graph with ``ai.onnx.ml`` operators (stop 66: a scikit-learn
    pipeline by skl2onnx got the list of every operator; stop 67: an ``MLPClassifier`` too,
    whose label and probability outputs skl2onnx writes with them; stop 68: read where its
    probabilities need none of them, :mod:`trojanscope.io.onnx_branch`), said early and late."""
    return (f"{where}: an ONNX graph with scikit-learn-style operators ({', '.join(classical[:4])}"
            f"{', …' if len(classical) > 4 else ''}: what skl2onnx or onnxmltools write, for "
            "any scikit-learn model); trojanscope reads ONNX graphs of the standard operators "
            "(neural networks exported by torch.onnx or tf2onnx), and tree ensembles from "
            "their library's own file: XGBoost's save_model('model.json'), LightGBM's "
            "booster_.save_model('model.txt'); scikit-learn's own models are not read, "
            "but for an MLPClassifier exported on its own (a pipeline's scaler is one of "
            "those operators)")


def _graph(fh: BinaryIO, start: int, end: int
           ) -> tuple[tuple[int, ...] | None, tuple[str, ...], tuple[str, ...]]:
    """The graph's input shape (None where unsure), its classical operators (sorted, as the
    loader names them) and its initializers' external data locations (in file order, each
    once; stop 70: a missing file refused before the imports)."""
    initializers: set[str] = set()
    external: dict[str, None] = {}
    inputs: list[tuple[int, int]] = []
    outputs: list[tuple[int, int]] = []
    nodes: list[tuple[int, int]] = []
    ops: set[str] = set()
    for field, span in _fields(fh, start, end):
        if field == GRAPH_INITIALIZER:
            initializers.add(_tensor_name(fh, _span(span)))
            location = _external_location(fh, _span(span))
            if location is not None:
                external[location] = None
        elif field == GRAPH_INPUT:
            inputs.append(_span(span))
        elif field == GRAPH_OUTPUT:
            outputs.append(_span(span))
        elif field == GRAPH_NODE:
            nodes.append(_span(span))
            domain, op_type = _node(fh, nodes[-1])
            if domain == ML_DOMAIN:
                ops.add(f"{domain}.{op_type}")
    try:
        shape = _input_shape(fh, inputs, initializers)
    except _Unsure:
        shape = None
    if ops and _has_branch(fh, nodes, outputs):  # a network's probabilities: read (stop 68)
        ops = set()
    return shape, tuple(sorted(ops)), tuple(external)


def _has_branch(fh: BinaryIO, nodes: list[tuple[int, int]],
                outputs: list[tuple[int, int]]) -> bool:
    """Whether the loader reads the graph by its probability branch
    (:func:`~trojanscope.io.onnx_branch.probability_branch`); an output whose type is not read
    with certainty here (its type field twice, which protobuf merges) leaves the answer to the
    loader: no early refusal."""
    described = []
    for span in nodes:
        domain, op_type = _node(fh, span)
        ins = tuple(_read(fh, _span(v)) for f, v in _fields(fh, *span) if f == NODE_INPUT)
        outs = tuple(_read(fh, _span(v)) for f, v in _fields(fh, *span) if f == NODE_OUTPUT)
        described.append(GraphNode(domain, op_type, ins, outs))
    try:
        described_outputs = [_output(fh, span) for span in outputs]
    except _Unsure:
        return True
    return probability_branch(described, described_outputs) is not None


def _output(fh: BinaryIO, span: tuple[int, int]) -> tuple[str, bool]:
    """A graph output's name and whether it is a float tensor."""
    name, kinds = _typed(fh, span)
    if len(kinds) > 1:
        raise _Unsure  # a oneof set twice (the last wins) or a merge
    if not kinds or kinds[0][0] != TYPE_TENSOR:
        return name, False
    elems = [v for f, v in _fields(fh, *_span(kinds[0][1])) if f == TENSOR_ELEM_TYPE]
    return name, bool(elems) and elems[-1] in FLOAT_TYPES


def _typed(fh: BinaryIO, span: tuple[int, int]
           ) -> tuple[str, list[tuple[int, int | tuple[int, int]]]]:
    """A ValueInfoProto's name and its type's fields (the denotation left out; none where it
    has no type); unsure where the type field stands twice (protobuf merges them)."""
    name, types = "", []
    for field, value in _fields(fh, *span):
        if field == VALUE_NAME:
            name = _read(fh, _span(value))
        elif field == VALUE_TYPE:
            types.append(_span(value))
    if len(types) > 1:
        raise _Unsure  # protobuf merges repeated message fields
    kinds = [(f, v) for f, v in _fields(fh, *types[0]) if f != TYPE_DENOTATION] if types else []
    return name, kinds


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


def _external_location(fh: BinaryIO, span: tuple[int, int]) -> str | None:
    """An initializer's external data location where its data lies outside the file
    (``data_location`` EXTERNAL, as onnx's ``uses_external_data`` asks; the last ``location``
    entry winning, as onnx reads them); None otherwise."""
    location, external = None, False
    try:
        for field, value in _fields(fh, *span):
            if field == TENSOR_LOCATION:
                external = value == EXTERNAL
            elif field == TENSOR_EXTERNAL:
                entry = dict(_fields(fh, *_span(value)))
                if ENTRY_KEY in entry and _read(fh, _span(entry[ENTRY_KEY])) == "location":
                    location = (_read(fh, _span(entry[ENTRY_VALUE])) if ENTRY_VALUE in entry
                                else "")
    except _Unsure:
        return None  # not read with certainty: the loader decides
    return location if external and location is not None else None


def _opset_id(fh: BinaryIO, span: tuple[int, int]) -> tuple[str, int]:
    """An ``opset_import`` entry's (domain, version), the last of a repeated field winning."""
    domain, version = "", 0
    for field, value in _fields(fh, *span):
        if field == OPSET_DOMAIN:
            domain = _read(fh, _span(value))
        elif field == OPSET_VERSION:
            version = _int64(value)
    return domain, version


def opset_words(where: str, version: int) -> str | None:
    """The loader's refusal of an opset it does not read, or None where it reads it."""
    if MIN_OPSET <= version <= MAX_OPSET:
        return None
    return (f"{where}: ONNX opset {version} is not supported (supported: {MIN_OPSET}-"
            f"{MAX_OPSET}); export again with another opset_version")


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
    name, tensor = _typed(fh, span)
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
