"""Max pooling in channels-last layout (stop 59): the same values, indices and input gradient
as ``F.max_pool2d``, bit for bit; our CNNs and ONNX interpreter pool in that layout; exports
and graphs read the ordinary op."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper

from trojanscope.io.onnx_import import onnx_to_module
from trojanscope.models import pooling
from trojanscope.models.pooling import MaxPool2d, max_pool2d
from trojanscope.models.small import LeNet5, SmallCNN

CASES = [  # kernel, stride, padding, dilation, ceil_mode
    (2, 2, 0, 1, False), (3, 2, 1, 1, False), (2, 2, 0, 1, True), (3, 1, 1, 1, False),
    (3, 2, 1, 2, False), ((2, 3), (1, 2), (1, 0), 1, True),
]


@pytest.fixture
def pool_layouts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each call of ATen's max-pooling kernel (as our pooling calls it) got a
    channels-last tensor; ``F.max_pool2d`` bypasses it and records nothing."""
    seen: list[bool] = []
    kernel = torch.ops.aten.max_pool2d_with_indices

    def spy(x: torch.Tensor, *args: object) -> tuple[torch.Tensor, torch.Tensor]:
        seen.append(x.is_contiguous(memory_format=torch.channels_last))
        return kernel(x, *args)

    monkeypatch.setattr(torch.ops.aten, "max_pool2d_with_indices", spy)
    return seen


def _tied(seed: int) -> torch.Tensor:
    """Rectified values on a coarse grid: many ties per window (zeros, equal maxima), a NaN."""
    g = torch.Generator().manual_seed(seed)
    x = torch.relu(torch.randn(6, 5, 13, 12, generator=g)).mul(4).round().div(4)
    x[0, 0, 0, 0] = float("nan")
    return x


def _plain_pools(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` with ``torch.nn.MaxPool2d`` in place of ours: the reference."""
    model = copy.deepcopy(model)
    for parent in model.modules():
        for name, child in parent.named_children():
            if type(child) is MaxPool2d:
                setattr(parent, name, torch.nn.MaxPool2d(child.kernel_size, child.stride))
    return model


@pytest.mark.parametrize("case", CASES)
def test_the_same_values_layout_and_gradient_as_max_pool2d(
        case: tuple, monkeypatch: pytest.MonkeyPatch, pool_layouts: list[bool]) -> None:
    monkeypatch.setattr(pooling, "MIN_ELEMENTS", 0)  # small tensors, every case on the fast path
    kernel, stride, padding, dilation, ceil = case
    for seed in range(3):
        x = _tied(seed)
        a, b = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        want = F.max_pool2d(a, kernel, stride, padding, dilation, ceil_mode=ceil)
        got = max_pool2d(b, kernel, stride, padding, dilation, ceil_mode=ceil)
        assert torch.equal(want.nan_to_num(), got.nan_to_num())
        assert torch.equal(want.isnan(), got.isnan())
        assert got.is_contiguous()
        weight = torch.randn(want.shape, generator=torch.Generator().manual_seed(seed))
        (want.nan_to_num() * weight).sum().backward()
        (got.nan_to_num() * weight).sum().backward()
        assert torch.equal(a.grad, b.grad)  # the same element chosen in every window
    assert pool_layouts == [True] * 3


def test_a_small_tensor_takes_the_ordinary_op(pool_layouts: list[bool]) -> None:
    x = torch.rand(8, 6, 28, 28)  # under MIN_ELEMENTS: the copies would cost more than they save
    assert torch.equal(max_pool2d(x, 2), F.max_pool2d(x, 2)) and pool_layouts == []
    max_pool2d(torch.rand(64, 6, 28, 28), 2)
    assert pool_layouts == [True]


def test_our_cnns_pool_in_channels_last_with_the_same_outputs(pool_layouts: list[bool]) -> None:
    torch.manual_seed(0)
    x = torch.rand(64, 1, 28, 28)  # each pooled map over MIN_ELEMENTS
    for model in (SmallCNN(width=4), LeNet5()):
        pools = [m for m in model.modules() if isinstance(m, torch.nn.MaxPool2d)]
        assert pools and all(type(m) is MaxPool2d for m in pools)
        assert all(type(m).__name__ == "MaxPool2d" for m in pools)  # read by name elsewhere
        pool_layouts.clear()
        out = model(x)
        assert pool_layouts == [True] * len(pools)
        assert torch.equal(_plain_pools(model)(x), out)


@pytest.mark.parametrize("flag", ["torch.jit.is_tracing", "torch.onnx.is_in_onnx_export"])
def test_under_tracing_or_export_the_ordinary_op_runs(
        flag: str, pool_layouts: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flag, lambda: True)
    x = torch.rand(64, 8, 28, 28)
    assert torch.equal(max_pool2d(x, 2), F.max_pool2d(x, 2))
    assert pool_layouts == []  # not our channels-last path


def test_fx_traces_through_it() -> None:
    model = SmallCNN(width=4).eval()
    x = torch.rand(2, 1, 28, 28)
    assert torch.equal(torch.fx.symbolic_trace(model)(x), model(x))


@pytest.mark.slow  # TorchScript's first trace in a process: about 10 s at load 10
def test_a_torchscript_trace_reads_the_ordinary_op() -> None:
    traced = torch.jit.trace(SmallCNN(width=4).eval(), torch.rand(2, 1, 28, 28))
    kinds = [n.kind() for n in traced.inlined_graph.nodes()]
    assert kinds.count("aten::max_pool2d") == 2
    assert not any("PythonOp" in k for k in kinds)


def test_the_onnx_interpreter_pools_in_channels_last(pool_layouts: list[bool]) -> None:
    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])
    graph = helper.make_graph(
        [node], "pool", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 16, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [64, 16, 4, 4])])
    module = onnx_to_module(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    x = torch.rand(64, 16, 8, 8)
    out = module(x)
    assert pool_layouts == [True]
    assert torch.equal(out, F.max_pool2d(x, 2, 2))
