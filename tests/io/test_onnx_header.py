"""Stop 66: an ONNX file's input shape read from its protobuf without importing onnx
(``io/onnx_header.py``) answers what the loader's ``infer_input_shape`` answers, or None."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from trojanscope.io.onnx_header import onnx_input_shape
from trojanscope.io.onnx_import import infer_input_shape


def _model(inputs: list, initializers: tuple = ()) -> onnx.ModelProto:
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node("Identity", [inputs[0].name], ["y"])
    graph = helper.make_graph([node], "g", inputs, [out], initializer=list(initializers))
    return helper.make_model(graph, producer_name="test")


def _input(name: str, dims: list | None, elem: int = TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


WEIGHT = numpy_helper.from_array(np.ones((64, 3, 3), np.float32), name="w")
CASES = {
    "static": _model([_input("x", [8, 1, 28, 28])]),
    "named batch": _model([_input("x", ["N", 3, 32, 32])]),
    "named height": _model([_input("x", ["N", 3, "H", 32])]),
    "unknown dim": _model([_input("x", ["N", 3, None, 32])]),
    "table": _model([_input("x", ["N", 29])]),
    "tokens": _model([_input("ids", ["N", 64], TensorProto.INT64)]),
    "no shape": _model([_input("x", None)]),
    "batch only": _model([_input("x", ["N"])]),
    "zero dim": _model([_input("x", ["N", 0, 28, 28])]),
    "two inputs": _model([_input("x", ["N", 1, 28, 28]), _input("m", ["N", 4])]),
    # an initializer listed among the inputs (IR < 4 exports) is not the model's input
    "initializer as input": _model([_input("x", ["N", 1, 28, 28]), _input("w", [64, 3, 3])],
                                   (WEIGHT,)),
    "weights": _model([_input("x", ["N", 1, 28, 28])], (WEIGHT,)),
    "sequence": _model([helper.make_tensor_sequence_value_info("x", TensorProto.FLOAT,
                                                               ["N", 4])]),
}


@pytest.mark.parametrize("name", CASES)
def test_the_shape_is_the_loaders(tmp_path: Path, name: str) -> None:
    path = tmp_path / "model.onnx"
    onnx.save(CASES[name], path)
    expected = infer_input_shape(onnx.load(path, load_external_data=False))
    assert onnx_input_shape(path) == expected
    if name in ("static", "named batch", "weights", "initializer as input"):
        assert expected is not None  # the cases a check can use do give a shape


@pytest.mark.parametrize("content", [
    b"", b"not an onnx file at all", b"\x08\x07\x3a\xff\xff\xff\xff\x0f",  # graph runs past the end
    b"\x0b\x00", bytes(range(256)) * 8,
])
def test_what_does_not_read_is_none(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(content)
    assert onnx_input_shape(path) is None


def test_a_cut_short_file_is_none(tmp_path: Path) -> None:
    whole = CASES["weights"].SerializeToString()
    path = tmp_path / "model.onnx"
    for cut in (len(whole) // 3, len(whole) - 5):
        path.write_bytes(whole[:cut])
        assert onnx_input_shape(path) is None
    assert onnx_input_shape(tmp_path / "missing.onnx") is None


# --- stop 67: the graph's ai.onnx.ml operators, named only where the loader refuses for them ---

def _ml_model(*, opsets=(("", 17), ("ai.onnx.ml", 3)), ir_version: int | None = None,
              functions: bool = False, external: bool = False) -> onnx.ModelProto:
    """An skl2onnx-like graph: a standard MatMul, then ai.onnx.ml's Normalizer and ZipMap."""
    x = _input("x", ["N", 4])
    w = numpy_helper.from_array(np.ones((4, 3), np.float32), name="w")
    if external:
        w.data_location = TensorProto.EXTERNAL
        w.ClearField("raw_data")
        entry = w.external_data.add()
        entry.key, entry.value = "location", "weights.bin"
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]),
             helper.make_node("Normalizer", ["h"], ["p"], domain="ai.onnx.ml"),
             helper.make_node("ZipMap", ["p"], ["z"], domain="ai.onnx.ml",
                              classlabels_int64s=[0, 1, 2])]
    out = helper.make_tensor_sequence_value_info("z", TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, "g", [x], [out], initializer=[w])
    model = helper.make_model(graph, producer_name="skl2onnx",
                              opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    if ir_version is not None:
        model.ir_version = ir_version
    if functions:
        model.functions.append(helper.make_function("local", "f", ["a"], ["b"],
                                                    [helper.make_node("Identity", ["a"], ["b"])],
                                                    [helper.make_opsetid("", 17)]))
    return model


def _loader_says(path: Path) -> str:
    from trojanscope.errors import UserInputError
    from trojanscope.io.onnx_import import load_onnx

    with pytest.raises(UserInputError) as caught:
        load_onnx(path)
    return str(caught.value)


def test_the_classical_operators_are_the_loaders_refusal(tmp_path: Path) -> None:
    from trojanscope.io.onnx_header import classical_words, read_header

    path = tmp_path / "skl.onnx"
    onnx.save(_ml_model(), path)
    header = read_header(path)
    assert header is not None and header.shape == (4,)
    assert header.classical == ("ai.onnx.ml.Normalizer", "ai.onnx.ml.ZipMap")
    assert _loader_says(path) == classical_words(str(path), header.classical)


@pytest.mark.parametrize("kwargs", [
    {"opsets": (("", 22), ("ai.onnx.ml", 3))},  # an opset the loader does not read
    {"opsets": (("ai.onnx.ml", 3),)},  # no ai.onnx opset
    {"functions": True},  # inlined after the check
    {"external": True},  # external data, read after the check
])
def test_the_operators_are_refused_first_whatever_else_the_file_holds(
        tmp_path: Path, kwargs: dict) -> None:
    """Stop 67: skl2onnx writes opset 22 by default for some models; the loader said "export
    again with another opset_version", only to refuse the operators then."""
    from trojanscope.io.onnx_header import classical_words, read_header

    path = tmp_path / "skl.onnx"
    onnx.save(_ml_model(**kwargs), path)
    header = read_header(path)
    assert header is not None and header.classical == ("ai.onnx.ml.Normalizer",
                                                       "ai.onnx.ml.ZipMap")
    assert _loader_says(path) == classical_words(str(path), header.classical)


def test_no_operators_named_where_the_file_does_not_read(tmp_path: Path) -> None:
    from trojanscope.io.onnx_header import read_header

    path = tmp_path / "skl.onnx"
    onnx.save(_ml_model(ir_version=0), path)
    assert read_header(path).classical == ()
    assert "not a readable ONNX model" in _loader_says(path)


def test_a_standard_graph_names_no_classical_operator(tmp_path: Path) -> None:
    from trojanscope.io.onnx_header import OnnxHeader, read_header

    path = tmp_path / "model.onnx"
    onnx.save(CASES["weights"], path)
    assert read_header(path) == OnnxHeader((1, 28, 28), ())
