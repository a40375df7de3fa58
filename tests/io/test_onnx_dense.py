"""A MatMul + Add pair read as one nn.Linear where that is certain (io.onnx_dense, stop 69)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from torch import nn

from onnx_files import dense_graph as _dense_graph
from onnx_files import mlp_graph
from trojanscope.io.onnx_import import load_onnx, onnx_to_module


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def _same_as_reference(model: onnx.ModelProto, x: np.ndarray) -> torch.Tensor:
    """The loaded module's output on ``x``, checked against onnx's reference evaluator."""
    got = onnx_to_module(model)(torch.from_numpy(x))
    (want,) = ReferenceEvaluator(model).run(None, {"X": x})
    np.testing.assert_allclose(got.detach().numpy(), want, atol=1e-6, rtol=1e-6)
    assert got.shape == want.shape
    return got


RNG = np.random.default_rng(0)
W, B, W2 = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=(3, 2))
X = RNG.normal(size=(5, 4)).astype(np.float32)


def test_an_skl2onnx_mlp_reads_as_two_linear_layers_and_gives_its_features() -> None:
    from trojanscope.detect.data.features import _forward

    model, probabilities = mlp_graph(16, 3, zipmap=True)
    module = onnx_to_module(model)
    first, last = _linears(module)
    assert (first.in_features, first.out_features, last.out_features) == (16, 5, 3)
    assert module.ops == ["Cast", "MatMul", "Relu", "MatMul"]  # each pair one node
    x = np.random.default_rng(1).normal(size=(20, 16)).astype(np.float32)
    got = torch.softmax(module(torch.from_numpy(x)), 1).detach().numpy()
    np.testing.assert_allclose(got, probabilities(x), atol=1e-6)

    class Rows:  # the smallest BatchDataset detect-data reads
        def __len__(self) -> int:
            return len(x)

        def get_batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return torch.from_numpy(x)[idx], torch.zeros(len(idx), dtype=torch.long)

    inputs, features, _ = _forward(module, Rows())  # what "needs a final linear layer" reads
    w1 = numpy_helper.to_array(next(t for t in model.graph.initializer
                                    if t.name == "coefficient"))
    b1 = numpy_helper.to_array(next(t for t in model.graph.initializer
                                    if t.name == "intercepts"))
    np.testing.assert_allclose(inputs.numpy(), x, atol=1e-7)
    np.testing.assert_allclose(features.numpy(), np.maximum(x @ w1 + b1, 0), atol=1e-5)


@pytest.mark.parametrize("bias_shape", [(3,), (1, 3)])
@pytest.mark.parametrize("bias_first", [False, True])
def test_a_certain_pair_is_one_linear_layer(bias_shape: tuple, bias_first: bool) -> None:
    add = ["b", "m"] if bias_first else ["m", "b"]
    model = _dense_graph([helper.make_node("MatMul", ["X", "W"], ["m"]),
                          helper.make_node("Add", add, ["Y"])],
                         {"W": W, "b": B.reshape(bias_shape)})
    _same_as_reference(model, X)
    assert len(_linears(onnx_to_module(model))) == 1


def test_one_sample_of_one_dimension_keeps_the_broadcast_shape() -> None:
    """x @ W + b with a 1 x N bias is 1 x N for a vector x (ONNX broadcasting); N for b of N."""
    for bias in (B.reshape(1, 3), B):
        model = _dense_graph([helper.make_node("MatMul", ["X", "W"], ["m"]),
                              helper.make_node("Add", ["m", "b"], ["Y"])],
                             {"W": W, "b": bias}, x_shape=(4,), out_rank=bias.ndim)
        _same_as_reference(model, X[0])


UNCERTAIN = {
    # the weight read twice: one layer would hold what two nodes share
    "shared-weight": ([helper.make_node("MatMul", ["X", "W"], ["m"]),
                       helper.make_node("Add", ["m", "b"], ["a"]),
                       helper.make_node("MatMul", ["X", "W"], ["m2"]),
                       helper.make_node("Add", ["a", "m2"], ["Y"])], {"W": W, "b": B}),
    # the product read by another node too: the layer's output would hide it
    "product-read-twice": ([helper.make_node("MatMul", ["X", "W"], ["m"]),
                            helper.make_node("Add", ["m", "b"], ["a"]),
                            helper.make_node("Add", ["a", "m"], ["Y"])], {"W": W, "b": B}),
    # a bias of one value (broadcast): not the output width
    "scalar-bias": ([helper.make_node("MatMul", ["X", "W"], ["m"]),
                     helper.make_node("Add", ["m", "b"], ["Y"])], {"W": W, "b": B[:1]}),
    # a bias of N x N: the Add widens the output
    "square-bias": ([helper.make_node("MatMul", ["X", "W"], ["m"]),
                     helper.make_node("Add", ["m", "b"], ["Y"])],
                    {"W": W, "b": RNG.normal(size=(5, 3))}),
    # no constant weight: the product of two computed tensors
    "computed-weight": ([helper.make_node("MatMul", ["X", "V"], ["h"]),
                         helper.make_node("Transpose", ["h"], ["ht"]),
                         helper.make_node("MatMul", ["X", "V"], ["h2"]),
                         helper.make_node("MatMul", ["h2", "W2"], ["m"]),
                         helper.make_node("Add", ["m", "c"], ["Y"])],
                        {"V": W, "W2": W2, "c": RNG.normal(size=2)}),
    # the constant on the left: W @ x is not a layer over the samples (x: 4 x 5 here)
    "weight-on-the-left": ([helper.make_node("MatMul", ["W", "X"], ["m"]),
                            helper.make_node("Add", ["m", "b"], ["Y"])],
                           {"W": RNG.normal(size=(2, 4)), "b": RNG.normal(size=5)}),
}


@pytest.mark.parametrize("case", sorted(UNCERTAIN))
def test_an_uncertain_pair_is_left_as_the_file_wrote_it(case: str) -> None:
    nodes, inits = UNCERTAIN[case]
    model = _dense_graph(nodes, inits, (4, 5) if case == "weight-on-the-left" else ("N", 4))
    _same_as_reference(model, RNG.normal(size=(4, 5)).astype(np.float32)
                       if case == "weight-on-the-left" else X)
    module = onnx_to_module(model)
    lifted = 1 if case == "computed-weight" else 0  # its last pair (W2, c) is certain
    assert len(_linears(module)) == lifted
    if case != "computed-weight":
        assert "Add" in module.ops


def test_a_torch_export_keeps_its_gemm_layers_and_lifts_its_matmul_pairs(
        tmp_path: Path) -> None:
    """Two dimensions: torch writes Gemm (read as before); three: MatMul + Add (now lifted)."""
    torch.manual_seed(0)
    flat = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3)).eval()
    tokens = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3)).eval()
    for model, shape, op in ((flat, (2, 6), "Gemm"), (tokens, (2, 5, 6), "MatMul")):
        path = tmp_path / f"{op}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (torch.rand(*shape),), str(path), dynamo=False,
                              input_names=["x"], output_names=["y"])
        imported = load_onnx(path)
        assert imported.ops.count(op) == 2 and "Add" not in imported.ops
        assert len(_linears(imported)) == 2
        x = torch.rand(*shape)
        torch.testing.assert_close(imported(x), model(x), atol=1e-6, rtol=1e-5)
