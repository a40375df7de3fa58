"""A one-node ONNX model of a given input shape, for the tests of what is read from an ONNX
file without loading it (``io/model_kind.py``, the early data checks)."""

from __future__ import annotations

from pathlib import Path


def write_onnx(path: Path, dims: list, producer: str = "") -> Path:
    """An Identity graph whose one input ``x`` has ``dims`` (ints, names or None), saved."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(graph, producer_name=producer), path)
    return path


def write_ml_onnx(path: Path, features: int = 4) -> Path:
    """A graph as skl2onnx writes a classifier: a table in, ai.onnx.ml's ZipMap out."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", features])
    z = helper.make_tensor_sequence_value_info("z", TensorProto.FLOAT, None)
    nodes = [helper.make_node("Softmax", ["x"], ["p"]),
             helper.make_node("ZipMap", ["p"], ["z"], domain="ai.onnx.ml",
                              classlabels_int64s=list(range(features)))]
    graph = helper.make_graph(nodes, "g", [x], [z])
    onnx.save(helper.make_model(graph, producer_name="skl2onnx", opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)]), path)
    return path
