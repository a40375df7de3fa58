"""A one-node ONNX model of a given input shape, for the tests of what is read from an ONNX
file without loading it (``io/model_kind.py``, the early data checks)."""

from __future__ import annotations

from pathlib import Path


def write_onnx(path: Path, dims: list, producer: str = "") -> Path:
    """An Identity graph whose one input ``x`` has ``dims`` (ints, names or None), saved at
    opset 17 (one the loader reads: an unreadable opset is refused early since stop 70)."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(graph, producer_name=producer,
                                opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def write_ml_onnx(path: Path, features: int = 4) -> Path:
    """A graph as skl2onnx writes a classical model: a table in, an ``ai.onnx.ml`` operator on
    the way to the probabilities (a ``Normalizer``: no network's branch the loader reads), its
    ZipMap out."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", features])
    z = helper.make_tensor_sequence_value_info("z", TensorProto.FLOAT, None)
    nodes = [helper.make_node("Normalizer", ["x"], ["p"], domain="ai.onnx.ml", norm="L1"),
             helper.make_node("ZipMap", ["p"], ["z"], domain="ai.onnx.ml",
                              classlabels_int64s=list(range(features)))]
    graph = helper.make_graph(nodes, "g", [x], [z])
    onnx.save(helper.make_model(graph, producer_name="skl2onnx", opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)]), path)
    return path


def mlp_graph(features: int = 16, classes: int = 3, *, zipmap: bool = True,
              labels: list | None = None, scaler: bool = False, seed: int = 0):
    """An ONNX model shaped as skl2onnx 1.20 exports a scikit-learn ``MLPClassifier`` (stop 68):
    Cast, MatMul, Add, Relu, MatMul, Add, then Softmax (three or more classes) or Sigmoid,
    ``1 - p`` and Concat (two), then the label through ArgMax and ai.onnx.ml's
    ArrayFeatureExtractor, and the probabilities through ai.onnx.ml's ZipMap (``zipmap``) or an
    Identity output ``probabilities``. ``labels``: the class labels (default 0..K-1; strings
    allowed); ``scaler``: an ai.onnx.ml ``Scaler`` first (a pipeline's StandardScaler).
    Returns (model, the numpy function of its probabilities)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    w1 = rng.normal(size=(features, 5)).astype(np.float32)
    b1 = rng.normal(size=5).astype(np.float32)
    out = 1 if classes == 2 else classes
    w2 = rng.normal(size=(5, out)).astype(np.float32)
    b2 = rng.normal(size=out).astype(np.float32)
    labels = list(range(classes)) if labels is None else labels
    strings = isinstance(labels[0], str)
    inits = [numpy_helper.from_array(a, name=n) for a, n in
             ((w1, "coefficient"), (b1, "intercepts"), (w2, "coefficient1"),
              (b2, "intercepts1"), (np.array([-1, 1], np.int64), "shape_tensor"))]
    inits.append(helper.make_tensor("classes", TensorProto.STRING if strings else
                                    TensorProto.INT64, [classes],
                                    [s.encode() for s in labels] if strings else labels))
    first = "X"
    nodes = []
    if scaler:
        nodes.append(helper.make_node("Scaler", ["X"], ["scaled"], domain="ai.onnx.ml",
                                      offset=[0.5] * features, scale=[2.0] * features))
        first = "scaled"
    nodes += [helper.make_node("Cast", [first], ["cast_input"], to=TensorProto.FLOAT),
              helper.make_node("MatMul", ["cast_input", "coefficient"], ["mul_result"]),
              helper.make_node("Add", ["mul_result", "intercepts"], ["add_result"]),
              helper.make_node("Relu", ["add_result"], ["next_activations"]),
              helper.make_node("MatMul", ["next_activations", "coefficient1"], ["mul_result1"]),
              helper.make_node("Add", ["mul_result1", "intercepts1"], ["add_result1"])]
    if classes == 2:
        inits.append(numpy_helper.from_array(np.array([1.0], np.float32), name="unity"))
        nodes += [helper.make_node("Sigmoid", ["add_result1"], ["out_activations_result"]),
                  helper.make_node("Sub", ["unity", "out_activations_result"], ["negative"]),
                  helper.make_node("Concat", ["negative", "out_activations_result"],
                                   ["proba"], axis=1)]
    else:
        nodes.append(helper.make_node("Softmax", ["add_result1"], ["proba"], axis=1))
    probability = "proba"
    if not zipmap:
        nodes.append(helper.make_node("Identity", ["proba"], ["probabilities"]))
        probability = "probabilities"
    nodes += [helper.make_node("ArgMax", [probability], ["argmax_output"], axis=1),
              helper.make_node("ArrayFeatureExtractor", ["classes", "argmax_output"],
                               ["label_result"], domain="ai.onnx.ml"),
              helper.make_node("Reshape", ["label_result", "shape_tensor"], ["label"])]
    label_type = TensorProto.STRING if strings else TensorProto.INT64
    outputs = [helper.make_tensor_value_info("label", label_type, ["N"])]
    if zipmap:
        key = {"classlabels_strings": labels} if strings else {"classlabels_int64s": labels}
        nodes.append(helper.make_node("ZipMap", ["proba"], ["output_probability"],
                                      domain="ai.onnx.ml", **key))
        outputs.append(helper.ValueInfoProto(name="output_probability"))
        outputs[-1].type.sequence_type.elem_type.map_type.key_type = label_type
        outputs[-1].type.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = (
            TensorProto.FLOAT)
    else:
        outputs.append(helper.make_tensor_value_info("probabilities", TensorProto.FLOAT,
                                                     ["N", classes]))
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", features])
    graph = helper.make_graph(nodes, "mlp", [x], outputs, initializer=inits)
    model = helper.make_model(graph, producer_name="skl2onnx", opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)])
    model.ir_version = 8

    def probabilities(data: np.ndarray) -> np.ndarray:
        if scaler:
            data = (data - 0.5) * 2.0
        z = np.maximum(data @ w1 + b1, 0) @ w2 + b2
        if classes == 2:
            p = 1 / (1 + np.exp(-z))
            return np.concatenate([1 - p, p], axis=1)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return model, probabilities


def dense_graph(nodes: list, inits: dict, x_shape: tuple | list = ("N", 4),
                out_rank: int = 2):
    """A float graph of ``nodes`` over input X (``x_shape``) with initializers ``inits``
    (numpy arrays, stored as float32), output Y of ``out_rank`` dimensions, opset 17: the
    ``MatMul`` + ``Add`` lift's graphs (``io/onnx_dense.py``; also
    ``benchmarks/read_through_s69_lift.py``)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        nodes, "dense", [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT,
                                       [f"d{i}" for i in range(out_rank)])],
        initializer=[numpy_helper.from_array(np.asarray(v, dtype=np.float32), k)
                     for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model
