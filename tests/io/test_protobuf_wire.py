"""Stop 66 (hrev): the protobuf wire primitives both ONNX readers share
(``io/protobuf_wire.py``) read bytes as protobuf does, and the header reader stays "None where
unsure" on what protobuf itself refuses (field number 0) or ONNX never writes (a group)."""

from __future__ import annotations

import io
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from trojanscope.io.onnx_header import onnx_input_shape
from trojanscope.io.protobuf_wire import WireError, fields, read_varint
from trojanscope.scan.stream import Reader


def _walk(data: bytes, end: int | None = None) -> list[tuple[int, int, int]]:
    r = Reader(io.BytesIO(data))
    out = []
    for number, wire, value in fields(r, len(data) if end is None else end):
        out.append((number, wire, value))
        if wire == 2:
            r.skip(value)
    return out


def test_varints_as_protobuf_writes_them() -> None:
    for value in (0, 1, 127, 128, 300, 2**63 - 1, 2**64 - 1):
        data, v = bytearray(), value
        while True:
            data.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
            v >>= 7
            if not v:
                break
        assert read_varint(iter(data).__next__) == value
    with pytest.raises(WireError, match="too long"):
        read_varint(iter(b"\xff" * 11).__next__)


def test_each_wire_type_and_a_skipped_group() -> None:
    # field 1 varint 150, field 2 "ab", field 3 fixed32, field 4 a group holding field 5,
    # field 6 fixed64
    data = (b"\x08\x96\x01" b"\x12\x02ab" b"\x1d\x00\x00\x00\x00" b"\x23\x28\x01\x24"
            b"\x31" + bytes(8))
    assert _walk(data) == [(1, 0, 150), (2, 2, 2), (3, 5, 0), (4, 3, 0), (6, 1, 0)]


@pytest.mark.parametrize("data, end, words", [
    (b"\x00\x01", 2, "field number 0"),
    (b"\x12\x05ab", 4, "runs past its message"),
    (b"\x0f", 1, "unsupported wire type 7"),
    (b"\x23\x2c", 2, "inside a group"),  # a group closed by another field's end
    (b"\x1d\x00\x00\x00\x00", 3, "ends inside a field"),  # fixed32 past the message
])
def test_what_protobuf_refuses(data: bytes, end: int, words: str) -> None:
    with pytest.raises(WireError, match=words):
        _walk(data, end)


def _saved(tmp_path: Path, prefix: bytes) -> Path:
    model = helper.make_model(helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]))
    path = tmp_path / "model.onnx"
    path.write_bytes(prefix + model.SerializeToString())
    return path


def test_the_header_read_is_unsure_where_protobuf_refuses_or_onnx_never_writes(
        tmp_path: Path) -> None:
    assert onnx_input_shape(_saved(tmp_path, b"")) == (1, 28, 28)
    assert onnx_input_shape(_saved(tmp_path, b"\x00\x01")) is None  # field number 0
    with pytest.raises(Exception):  # noqa: B017 - protobuf's own refusal, whatever its type
        onnx.load(_saved(tmp_path, b"\x00\x01"))
    assert onnx_input_shape(_saved(tmp_path, b"\xa3\x06\xa4\x06")) is None  # group 100


def test_thrift_reads_the_same_varint_in_its_own_error() -> None:
    from trojanscope.data.tabular.thrift_compact import ThriftError, read_struct

    assert read_struct(bytes([0x15, 0xAC, 0x02, 0x00])) == ([(1, 5, 150)], 4)  # zigzag i32
    with pytest.raises(ThriftError, match="longer than 10 bytes"):
        read_struct(b"\x15" + b"\xff" * 11)
    with pytest.raises(ThriftError, match="ends inside a struct"):
        read_struct(b"\x15\xff")
