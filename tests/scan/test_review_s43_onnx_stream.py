"""Review of the stop-42 scanner merge (stop 43, hR1): the streaming ONNX reader refused a whole
model for one long external-data string, hiding the location beside it."""

from __future__ import annotations

import pytest

from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy


def _scan(data: bytes, name: str, stream_onnx: bool = False) -> list[str]:
    policy = load_policy()
    if stream_onnx:
        policy.limits.max_onnx_parse = 1  # every ONNX model to the streaming reader
    ctx = Ctx(policy, name, budget=Budget.start(policy.limits.max_seconds))
    scan_bytes(ctx, data, name)
    return [f.rule_id for f in ctx.findings]


def _onnx_with_entries(*entries: bytes) -> bytes:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1])
    t.data_location = TensorProto.EXTERNAL
    for raw in entries:
        e = onnx.StringStringEntryProto()
        e.ParseFromString(raw)
        t.external_data.append(e)
    graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                              initializer=[t])
    return helper.make_model(graph).SerializeToString()


def _field(number: int, text: bytes) -> bytes:
    n, length = len(text), b""
    while n >= 0x80:
        length += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return bytes([number << 3 | 2]) + length + bytes([n]) + text


@pytest.mark.parametrize("name", ["model.bin", "model.onnx"])
@pytest.mark.parametrize("long_field", ["value", "key"])
def test_onnx_long_entry_beside_the_location_does_not_hide_it(name: str,
                                                              long_field: str) -> None:
    """A second external-data entry with a 70,000-byte value (``checksum``: ONNX Runtime
    keeps any) or key: the streaming reader refused the whole model (WireError), so the
    escaping location beside it went unreported — nothing at all for a file not named
    ``.onnx`` or any archive member (the in-memory parse and the stop-41 reader: TS310)."""
    location = _field(1, b"location") + _field(2, b"../../etc/passwd")
    other = (_field(1, b"checksum") + _field(2, b"0" * 70_000) if long_field == "value"
             else _field(1, b"k" * 70_000) + _field(2, b"x"))
    data = _onnx_with_entries(location, other)
    assert _scan(data, name) == ["TS310"]  # the in-memory parse
    assert _scan(data, name, stream_onnx=True) == ["TS310"]


def test_onnx_long_location_is_still_refused_when_its_key_comes_after_it(tmp_path) -> None:
    """The value may come before its key in the entry: a location over 64 KiB is refused
    (TS311 for a ``.onnx`` file) whichever comes first."""
    from trojanscope.scan import scan_paths

    entry = _field(2, b"a" * 70_000) + _field(1, b"location")
    path = tmp_path / "model.onnx"
    path.write_bytes(_onnx_with_entries(entry))
    policy = load_policy()
    policy.limits.max_onnx_parse = 1
    assert [f.rule_id for f in scan_paths([path], policy).findings] == ["TS311"]


def _key(number: int, wire: int) -> bytes:
    n, out = number << 3 | wire, b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def _group(number: int, inner: bytes) -> bytes:
    """An unknown (deprecated) group field: start-group key, fields, end-group key."""
    return _key(number, 3) + inner + _key(number, 4)


@pytest.mark.parametrize("where, name", [
    (where, name) for where in ("entry", "nested-in-entry", "tensor")
    for name in ("model.bin", "model.onnx")] + [("model", "model.onnx")])
def test_onnx_unknown_group_field_does_not_hide_the_location(where: str, name: str) -> None:
    """protobuf (and so ``onnx`` and ONNX Runtime) skips an unknown group field (wire types
    3/4); the streaming reader refused the whole model at it, so an escaping location went
    unreported for a model over ``max_onnx_parse`` (nothing for a file not named ``.onnx``).
    (A model starting with the group is ONNX to the scanner only by its name: no magic.)"""
    onnx = pytest.importorskip("onnx")

    group = _group(5, _field(1, b"x") + _group(6, _field(2, b"y")) + b"\x08\x01")
    location = _field(1, b"location") + _field(2, b"../../etc/passwd")
    if where == "entry":
        data = _onnx_with_entries(_field(1, b"location") + group + _field(2, b"/etc/passwd"))
    elif where == "nested-in-entry":
        data = _onnx_with_entries(location + _group(7, group))
    elif where == "tensor":
        model = onnx.load_model_from_string(_onnx_with_entries(location))
        model.graph.initializer[0].MergeFromString(_group(1000, _field(1, b"z")))
        data = model.SerializeToString()  # the group kept as an unknown field
        assert _group(1000, _field(1, b"z")) in data
    else:  # before the graph (protobuf reads concatenated messages as one)
        data = _group(1000, _field(1, b"z")) + _onnx_with_entries(location)
    assert _scan(data, name) == ["TS310"]  # the in-memory parse
    assert _scan(data, name, stream_onnx=True) == ["TS310"]


@pytest.mark.parametrize("bad", [b"\x2c", b"\x2b\x08\x01\x34", b"\x2b\x08\x01"],
                         ids=["end-without-start", "end-of-another-group", "never-ends"])
def test_onnx_malformed_group_is_still_a_wire_error(bad: bytes) -> None:
    import io

    from trojanscope.scan.onnx_stream import WireError, external_locations
    from trojanscope.scan.stream import Reader

    with pytest.raises(WireError):
        list(external_locations(Reader(io.BytesIO(bad)), len(bad)))
