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
