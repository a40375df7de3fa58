"""ONNX import: exported models run and differentiate like the originals; bad files fail."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.io.onnx_import import infer_input_shape, load_onnx, onnx_to_module
from trojanscope.models import create_model

SHAPES = {"cnn": (1, 28, 28), "lenet5": (1, 28, 28), "mlp": (1, 28, 28),
          "preact_resnet18": (3, 32, 32)}
KWARGS = {"preact_resnet18": {"width": 8}}


def _build(name: str) -> nn.Module:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return create_model(name, SHAPES[name], 10, **KWARGS.get(name, {})).eval()


def _export(model: nn.Module, shape: tuple[int, ...], path: Path, *, dynamo: bool,
            opset: int | None = None, **kwargs: object) -> Path:
    x = torch.rand(2, *shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(model, (x,), str(path), dynamo=True, verbose=False,
                              dynamic_shapes=({0: torch.export.Dim("batch")},))
        else:
            torch.onnx.export(model, (x,), str(path), dynamo=False, opset_version=opset,
                              input_names=["x"], output_names=["logits"],
                              dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}},
                              **kwargs)
    return path


def _assert_same(original: nn.Module, imported: nn.Module, shape: tuple[int, ...]) -> None:
    gen = torch.Generator().manual_seed(1)
    for batch in (1, 5):
        x = torch.rand(batch, *shape, generator=gen, requires_grad=True)
        want, got = original(x), imported(x)
        torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)
        (g_want,) = torch.autograd.grad(want.square().sum(), x)
        (g_got,) = torch.autograd.grad(got.square().sum(), x)
        torch.testing.assert_close(g_got, g_want, atol=1e-5, rtol=1e-4)


# preact_resnet18 through dynamo is in the slow set (stop 60): the dynamo graph's import is
# cnn-dynamo's check, the residual and batch-norm ops preact_resnet18-legacy's
EXPORTS = [(name, False) for name in SHAPES] + [
    ("cnn", True), pytest.param("preact_resnet18", True, marks=pytest.mark.slow)]


@pytest.mark.parametrize(("name", "dynamo"), EXPORTS, ids=[
    f"{n}-{'dynamo' if d else 'legacy'}" for n, d in (getattr(e, "values", e) for e in EXPORTS)])
def test_builtin_models_match_torch(tmp_path: Path, name: str, dynamo: bool) -> None:
    model = _build(name)
    path = _export(model, SHAPES[name], tmp_path / f"{name}.onnx", dynamo=dynamo)
    imported = load_onnx(path)
    _assert_same(model, imported, SHAPES[name])
    assert infer_input_shape(onnx.load(str(path))) == SHAPES[name]


class _Zoo(nn.Module):
    """Many operators at once, with a batch-dependent reshape (Shape/Gather/Unsqueeze/Concat)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.w = nn.Parameter(torch.randn(24, 5))

    def forward(self, x: Tensor) -> Tensor:
        y = F.pad(x, (1, 2, 0, 1))
        y = self.bn(self.conv(y))
        y = torch.sigmoid(y) * torch.tanh(y) + F.leaky_relu(y, 0.2) - F.gelu(y)
        y = F.avg_pool2d(y, 2, ceil_mode=True).clamp(-0.5, 0.9)
        y = y.transpose(1, 3).reshape(y.size(0), -1)
        y = torch.cat([y[:, 1::2], y.mean(dim=1, keepdim=True).expand(-1, 6)], dim=1)
        y = torch.sqrt(y.abs() + 1) ** 2 / torch.exp(-y)
        z = torch.softmax(y @ self.w, dim=-1) + torch.log_softmax(y @ self.w, dim=1)
        return z.unsqueeze(1).squeeze(1)


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_operator_zoo_over_opsets(tmp_path: Path, opset: int) -> None:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = _Zoo().eval()
        model.bn.running_mean.uniform_(-0.2, 0.2)
        model.bn.running_var.uniform_(0.5, 2.0)
    # opset 11 also lists the weights as graph inputs, as older exporters did
    path = _export(model, (2, 9, 7), tmp_path / "zoo.onnx", dynamo=False, opset=opset,
                   keep_initializers_as_inputs=opset == 11)
    proto = onnx.load(str(path))
    assert len(proto.graph.input) > 1 if opset == 11 else len(proto.graph.input) == 1
    ops = {n.op_type for n in proto.graph.node}
    assert {"Shape", "Gather", "Reshape", "Slice", "Pad", "Softmax"} <= ops
    _assert_same(model, load_onnx(path), (2, 9, 7))


# --- single operators against onnx's reference implementation -------------------------------------

def _one_node(op: str, x_shape: list[int], consts: dict[str, np.ndarray] | None = None,
              opset: int = 17, inputs: list[str] | None = None, **attrs: object) -> onnx.ModelProto:
    consts = consts or {}
    node = helper.make_node(op, inputs or ["x", *consts], ["y"], **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_empty_tensor_value_info("y")],
        [numpy_helper.from_array(v, k) for k, v in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model)  # the checker wants typed outputs


def _i64(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


CASES = {
    "slice-negative-step": _one_node("Slice", [2, 7], {"s": _i64(-1), "e": _i64(-100),
                                                        "a": _i64(1), "st": _i64(-2)}),
    "slice-clamped": _one_node("Slice", [4, 6], {"s": _i64(1, -3), "e": _i64(2**62, 100)}),
    "pad-reflect": _one_node("Pad", [1, 2, 4, 5], {"p": _i64(0, 0, 1, 2, 0, 0, 2, 1)},
                             mode="reflect"),
    "pad-edge": _one_node("Pad", [1, 2, 4, 5], {"p": _i64(0, 0, 1, 0, 0, 0, 0, 3)}, mode="edge"),
    "pad-axes": _one_node("Pad", [2, 3, 4], {"p": _i64(1, 2, 0, 3), "v": np.array(0.5, np.float32),
                                              "ax": _i64(0, -1)}, opset=18),
    "squeeze-attr": _one_node("Squeeze", [3, 1, 4, 1], opset=11, axes=[1, -1]),
    "unsqueeze-attr": _one_node("Unsqueeze", [3, 4], opset=11, axes=[0, -1]),
    "unsqueeze-input": _one_node("Unsqueeze", [3, 4], {"a": _i64(1, 3)}),
    "reducesum-attr": _one_node("ReduceSum", [2, 3, 4], opset=11, axes=[1], keepdims=0),
    "reducesum-input": _one_node("ReduceSum", [2, 3, 4], {"a": _i64(-1, 0)}),
    "reducemean-all": _one_node("ReduceMean", [2, 3, 4], opset=18, keepdims=0),
    "reducemax-attr": _one_node("ReduceMax", [2, 3, 4], axes=[2]),
    "logsoftmax-opset13": _one_node("LogSoftmax", [2, 3, 4], opset=13, axis=1),
    "gemm-trans": _one_node("Gemm", [4, 3], {"b": np.random.RandomState(0).randn(5, 4)
                                             .astype(np.float32),
                                             "c": np.ones(5, np.float32)},
                            transA=1, transB=1, alpha=0.5, beta=2.0),
    "matmul-batched": _one_node("MatMul", [2, 3, 4], {"b": np.ones((4, 2), np.float32)}),
    "expand": _one_node("Expand", [3, 1], {"s": _i64(2, 1, 4)}),
    "gather-negative": _one_node("Gather", [5, 3], {"i": _i64(-1, 0, 2).reshape(3, 1)}),
    "gather-scalar": _one_node("Gather", [5, 3], {"i": np.array(-2, np.int64)}, axis=1),
    "flatten-axis2": _one_node("Flatten", [2, 3, 4, 5], axis=2),
    "transpose-default": _one_node("Transpose", [2, 3, 4]),
    "clip-none": _one_node("Clip", [3, 4]),
    "clip-max-only": _one_node("Clip", [3, 4], {"hi": np.array(0.3, np.float32)},
                               inputs=["x", "", "hi"]),
    "conv-same-upper": _one_node("Conv", [1, 2, 7, 6],
                                 {"w": np.random.RandomState(1).randn(3, 2, 3, 3)
                                  .astype(np.float32)}, auto_pad="SAME_UPPER", strides=[2, 2]),
    "conv-asymmetric-grouped": _one_node("Conv", [1, 4, 6, 6],
                                         {"w": np.random.RandomState(2).randn(4, 2, 2, 3)
                                          .astype(np.float32)},
                                         pads=[0, 1, 1, 0], group=2, dilations=[2, 1]),
    "maxpool-asymmetric": _one_node("MaxPool", [1, 2, 7, 7], kernel_shape=[3, 3],
                                    pads=[0, 2, 1, 0], strides=[2, 2]),
    "maxpool-ceil": _one_node("MaxPool", [1, 1, 8, 8], kernel_shape=[3, 3], strides=[2, 2],
                              ceil_mode=1),
    "avgpool-asymmetric": _one_node("AveragePool", [1, 2, 6, 6], kernel_shape=[3, 3],
                                    pads=[1, 0, 0, 1]),
    "avgpool-include-pad": _one_node("AveragePool", [1, 2, 6, 6], kernel_shape=[3, 3],
                                     pads=[1, 1, 1, 1], count_include_pad=1),
    "global-maxpool": _one_node("GlobalMaxPool", [2, 3, 4, 5]),
    "gelu-tanh": _one_node("Gelu", [3, 4], opset=20, approximate="tanh"),
    "erf": _one_node("Erf", [3, 4]),
    "pow": _one_node("Pow", [3, 4], {"e": np.array(3.0, np.float32)}),
    "dropout": _one_node("Dropout", [3, 4]),
    "cast-roundtrip": _one_node("Cast", [3, 4], to=TensorProto.DOUBLE),
}


def _shape_graph() -> onnx.ModelProto:
    """Shape -> ConstantOfShape -> Equal/Where, and integer Div/Sub on shapes."""
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("ConstantOfShape", ["s"], ["ones"],
                         value=numpy_helper.from_array(np.array([1.0], np.float32))),
        helper.make_node("Greater", ["x", "zero"], ["pos"]),
        helper.make_node("Where", ["pos", "x", "ones"], ["w"]),
        helper.make_node("Div", ["s", "two"], ["half"]),
        helper.make_node("Cast", ["half"], ["halff"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["halff"], ["k"], keepdims=0),
        helper.make_node("Mul", ["w", "k"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
        [numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
         numpy_helper.from_array(np.array(2, np.int64), "two")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


CASES["shape-constantofshape-where"] = _shape_graph()


@pytest.mark.parametrize("case", sorted(CASES))
def test_single_operators_match_reference(case: str) -> None:
    model = CASES[case]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    shape = [d.dim_value or 5 for d in dims]
    x = np.random.RandomState(3).randn(*shape).astype(np.float32)
    (want,) = ReferenceEvaluator(model).run(None, {"x": x})
    got = onnx_to_module(model, source=case)(torch.from_numpy(x))
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-5, atol=1e-5)


# --- bad input ------------------------------------------------------------------------------------

def test_random_bytes_are_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "noise.onnx"
    path.write_bytes(np.random.RandomState(0).bytes(4096))
    with pytest.raises(UserInputError, match=r"noise\.onnx: not a readable ONNX model"):
        load_onnx(path)


def test_truncated_model_is_refused(tmp_path: Path) -> None:
    path = _export(_build("cnn"), SHAPES["cnn"], tmp_path / "full.onnx", dynamo=False)
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(UserInputError, match=r"cut\.onnx: not a readable ONNX model"):
        load_onnx(cut)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no such file"):
        load_onnx(tmp_path / "absent.onnx")


def test_unsupported_operators_are_named_at_import(tmp_path: Path) -> None:
    nodes = [helper.make_node("Relu", ["x"], ["a"]), helper.make_node("NonZero", ["a"], ["b"]),
             helper.make_node("TopK", ["x", "k"], ["y", "i"], domain="")]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_empty_tensor_value_info("y")],
        [numpy_helper.from_array(_i64(2), "k")])
    path = tmp_path / "odd.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(UserInputError, match=r"odd\.onnx: ONNX operator\(s\) NonZero, TopK are "
                                             r"not supported; supported: .*Conv"):
        load_onnx(path)


def test_a_classical_ml_model_is_told_what_trojanscope_reads(tmp_path: Path) -> None:
    """Stop 66: a scikit-learn pipeline exported by skl2onnx (ai.onnx.ml operators) got the
    list of every supported operator; it is told what it is and what to save instead."""
    nodes = [helper.make_node("Imputer", ["x"], ["a"], domain="ai.onnx.ml",
                              imputed_value_floats=[0.0], replaced_value_float=float("nan")),
             helper.make_node("TreeEnsembleClassifier", ["a"], ["y", "p"], domain="ai.onnx.ml")]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_empty_tensor_value_info("y")])
    path = tmp_path / "pipeline.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                      helper.make_opsetid("ai.onnx.ml", 3)]),
              str(path))
    with pytest.raises(UserInputError, match=r"pipeline\.onnx: an ONNX graph with scikit-learn-"
                       r"style operators \(ai\.onnx\.ml\.Imputer, ai\.onnx\.ml\.TreeEnsemble"
                       r"Classifier: .*save_model\('model\.json'\)") as err:
        load_onnx(path)
    assert "supported:" not in str(err.value)


def _external_model(folder: Path, location: str) -> Path:
    weight = numpy_helper.from_array(np.ones((1, 4), np.float32), "w")
    onnx.external_data_helper.set_external_data(weight, location)
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])], [weight])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.onnx"
    path.write_bytes(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    return path


@pytest.mark.parametrize("location", ["../../etc/passwd", "/etc/passwd", "sub/../../x.bin"])
def test_external_data_outside_the_folder_is_refused(tmp_path: Path, location: str) -> None:
    path = _external_model(tmp_path / "a" / "b", location)
    with pytest.raises(UserInputError, match="absolute or escapes the model's folder"):
        load_onnx(path)


def test_external_data_symlink_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(np.ones(4, np.float32).tobytes())
    path = _external_model(tmp_path / "m", "data.bin")
    os.symlink(tmp_path / "secret.bin", tmp_path / "m" / "data.bin")
    with pytest.raises(UserInputError, match="escapes the model's folder"):
        load_onnx(path)


def test_external_data_inside_the_folder_loads(tmp_path: Path) -> None:
    path = _external_model(tmp_path / "m", "weights/data.bin")
    (tmp_path / "m" / "weights").mkdir()
    (tmp_path / "m" / "weights" / "data.bin").write_bytes(np.full(4, 2, np.float32).tobytes())
    out = load_onnx(path)(torch.zeros(3, 4))
    torch.testing.assert_close(out, torch.full((3, 4), 2.0))


def test_external_data_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=r"external data file 'data\.bin' not found"):
        load_onnx(_external_model(tmp_path, "data.bin"))


def _graph_model(inputs: list[onnx.ValueInfoProto], opset: int = 17) -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("Identity", [inputs[0].name], ["y"])], "g", inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_graph_input_rules() -> None:
    two = _graph_model([helper.make_tensor_value_info("a", TensorProto.FLOAT, [1]),
                        helper.make_tensor_value_info("b", TensorProto.FLOAT, [1])])
    with pytest.raises(UserInputError, match="exactly one input tensor, it takes 2 \\(a, b\\)"):
        onnx_to_module(two, source="two.onnx")
    ints = _graph_model([helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 3])])
    with pytest.raises(UserInputError, match="'ids' must be a float tensor, not INT64"):
        onnx_to_module(ints, source="ints.onnx")


@pytest.mark.parametrize("opset", [9, 22])
def test_opset_outside_range(opset: int) -> None:
    model = _graph_model([helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])], opset)
    with pytest.raises(UserInputError, match=f"opset {opset} is not supported"):
        onnx_to_module(model, source="m.onnx")


def test_softmax_before_opset13_spans_the_trailing_axes() -> None:
    """onnx's reference evaluator ignores this older rule, so compare with torch directly."""
    x = torch.randn(2, 3, 4)
    for op, fn in (("Softmax", torch.softmax), ("LogSoftmax", torch.log_softmax)):
        module = onnx_to_module(_one_node(op, [2, 3, 4], opset=11, axis=1))
        torch.testing.assert_close(module(x), fn(x.reshape(2, 12), 1).reshape(2, 3, 4))


def test_unsupported_uses_of_supported_operators() -> None:
    model = _one_node("BatchNormalization", [1, 2, 3, 3],
                      {k: np.ones(2, np.float32) for k in ("s", "b", "m", "v")},
                      training_mode=1)
    model.graph.output[0].CopyFrom(
        helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 3, 3]))
    with pytest.raises(UserInputError, match="BatchNormalization in training mode"):
        onnx_to_module(model)


def test_infer_input_shape() -> None:
    def shape_of(dims: list) -> tuple[int, ...] | None:
        info = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)
        return infer_input_shape(_graph_model([info]))

    assert shape_of(["n", 3, 32, 32]) == (3, 32, 32)
    assert shape_of([1, 20]) == (20,)
    assert shape_of(["n", 3, "h", "w"]) is None
    assert shape_of(None) is None


def test_module_follows_device_and_dtype_conventions(tmp_path: Path) -> None:
    model = _build("mlp")
    imported = load_onnx(_export(model, SHAPES["mlp"], tmp_path / "m.onnx", dynamo=False))
    x = torch.rand(2, *SHAPES["mlp"], dtype=torch.float64)
    assert imported(x).dtype == torch.float32
    assert all(p.requires_grad for p in imported.parameters())
    assert imported.input_shape == SHAPES["mlp"]


def _two_norms_one_merged_bias(extra_reader: bool) -> onnx.ModelProto:
    """Two BatchNormalization nodes whose biases the exporter merged (an ``Identity`` copying
    the first's bias feeds the second), summed as a residual block's two branches; with
    ``extra_reader`` an ``Add`` reads the copied bias too."""
    rng = np.random.default_rng(0)
    c = 3
    inits = {f"{k}{i}": (rng.uniform(0.5, 1.5, c) if k in ("s", "v") else rng.normal(size=c))
             .astype(np.float32) for k in "sbmv" for i in (1, 2)}
    del inits["b2"]
    nodes = [helper.make_node("Identity", ["b1"], ["b2"]),
             helper.make_node("BatchNormalization", ["x", "s1", "b1", "m1", "v1"], ["y1"]),
             helper.make_node("BatchNormalization", ["x", "s2", "b2", "m2", "v2"], ["y2"]),
             helper.make_node("Add", ["y1", "y2"], ["y"])]
    if extra_reader:
        nodes[-1] = helper.make_node("Add", ["y1", "y2"], ["y0"])
        nodes.append(helper.make_node("Add", ["y0", "b2"], ["y"]))
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, c])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, c])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("extra_reader", [False, True])
def test_a_merged_batch_norm_weight_gets_a_copy_per_node(extra_reader: bool) -> None:
    """Issue 9, stop 63: a residual block's BatchNorm biases merged by the exporter are each
    lifted to a layer of their own (the same outputs); a weight another operator reads too
    stays the graph's."""
    proto = _two_norms_one_merged_bias(extra_reader)
    module = onnx_to_module(proto)
    x = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)
    want = ReferenceEvaluator(proto).run(None, {"x": x})[0]
    with torch.no_grad():
        assert np.allclose(module(torch.from_numpy(x)).numpy(), want, atol=1e-5)
    norms = [m for m in module.layers.values() if "BatchNorm" in type(m).__name__]
    outside = [n for n, _ in module.named_parameters() if not n.startswith("layers.")]
    if extra_reader:
        assert norms == [] and len(outside) == 7  # as before: the shared bias stays a tensor
    else:
        assert len(norms) == 2 and outside == []
        assert norms[0].bias.data_ptr() != norms[1].bias.data_ptr()
