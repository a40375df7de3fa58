"""Stop 67: one function tells a model file's format by its bytes, for the loader and the
early checks alike (``io/model_file.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.io.model_file import model_file_format

SAFETENSORS = (2).to_bytes(8, "little") + b"{}"


@pytest.mark.parametrize(("name", "content", "fmt"), [
    ("weights.pt", SAFETENSORS, "safetensors"),
    ("model.safetensors", b"PK\x03\x04" + bytes(60), "zip"),  # a zip named .safetensors
    ("model.onnx", b"PK\x03\x04" + bytes(60), "zip"),
    ("model.onnx", b"\x08\x07" + b"anything", "onnx"),  # ONNX: the suffix, as the loader
    ("model.bin", b"\x08\x07\x12\x07pytorch", "onnx"),  # or a producer near the start
    ("model.bin", b"\x08\x07\x12\x05other", None),
    ("fraud.model", json.dumps({"learner": {}}).encode(), "xgboost"),
    ("fraud.bin", b"tree\nversion=v4\n", "lightgbm"),
    ("model.safetensors", b"", None),  # empty: the loader says so
    ("model.safetensors", (99).to_bytes(8, "little") + b"{}", None),  # header past the end
])
def test_the_format_is_told_by_the_bytes(tmp_path: Path, name: str, content: bytes,
                                         fmt: str | None) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert model_file_format(path) == fmt


def test_a_missing_file_has_no_format(tmp_path: Path) -> None:
    assert model_file_format(tmp_path / "nope.onnx") is None


def _field(number: int, value: bytes) -> bytes:
    return bytes([number << 3 | 2, len(value)]) + value


@pytest.mark.parametrize(("content", "fmt"), [
    (b"\x08\x08" + _field(7, b"\x0a\x00"), "onnx"),  # no producer: the walk tells it (s68)
    (b"\x08\x08" + _field(6, b"doc") + _field(7, b"") + _field(8, b"\x10\x11"), "onnx"),
    (b"\x08\x08" + _field(7, b"") + _field(7, b""), None),  # two graphs: no model
    (b"\x08\x08" + _field(7, b"") + b"\xd2\x01\x00", "onnx"),  # a configuration (26, hrev)
    (b"\x08\x08" + _field(2, b"tool"), None),  # no graph
    (b"\x08\x08" + _field(9, b"") + _field(7, b""), None),  # a field ModelProto has not
    (b"\x08\x08" + _field(7, b"abc")[:-1], None),  # cut short
    (b"\x08\x01\x08\x02\x12\x04\x00\x00\x80\x3f", None),  # a TensorProto (.pb)
    (_field(7, b"") + b"\x08\x08", None),  # no IR version first (as onnx writes it)
])
def test_an_onnx_file_without_a_producer_is_told_by_its_top_level(
        tmp_path: Path, content: bytes, fmt: str | None) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(content)
    assert model_file_format(path) == fmt


def test_an_onnx_helper_model_renamed_is_onnx_to_the_loader_too(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    from trojanscope.io.models import load_model

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 16])
    graph = helper.make_graph([helper.make_node("Flatten", ["x"], ["y"])], "g", [x], [y])
    path = tmp_path / "exported.bin"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    assert b"onnx" not in path.read_bytes()[:64] and model_file_format(path) == "onnx"
    assert load_model(path).input_shape == (1, 4, 4)
