"""A one-node ONNX model of a given input shape, for the tests of what is read from an ONNX
file without loading it (``io/model_kind.py``, the early data checks)."""

from __future__ import annotations

from pathlib import Path


def write_onnx(path: Path, dims: list) -> Path:
    """An Identity graph whose one input ``x`` has ``dims`` (ints, names or None), saved."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(graph), path)
    return path
