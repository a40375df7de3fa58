"""What counts as a dense network (``gated``'s ``dense_*`` options and its check's reach rule) and
how the check judges a rise of exactly its threshold."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate import accept
from trojanscope.mitigate.guard import convolutional
from trojanscope.mitigate.stripe_projection import dense_network

X = torch.rand(2, 1, 8, 8)


class FunctionalConv(nn.Module):
    """A convolution written with ``F.conv2d``: no module says so."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(2, 1, 3, 3))
        self.head = nn.Linear(72, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(nn.functional.conv2d(x, self.weight).flatten(1))


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 3))


def test_every_kind_of_convolution_counts() -> None:
    assert not convolutional(mlp())
    for conv in (nn.Conv1d(1, 2, 3), nn.Conv2d(1, 2, 3), nn.ConvTranspose2d(1, 2, 3)):
        assert convolutional(nn.Sequential(conv))
    assert convolutional(torch.jit.script(nn.Sequential(nn.Conv2d(1, 2, 3))))
    import torch.ao.nn.intrinsic.quantized as nniq

    assert convolutional(nn.Sequential(nniq.ConvReLU2d(1, 2, 3)))


def test_an_unlifted_graph_with_a_conv_node_counts() -> None:
    for op in ("Conv", "ConvTranspose", "QLinearConv"):

        class Graph(nn.Module):
            ops = ("Identity", op, "Relu")

        assert convolutional(nn.Sequential(Graph()))


def test_only_a_linear_first_layer_is_evidence_of_a_dense_network() -> None:
    assert dense_network(mlp(), X)
    assert not dense_network(FunctionalConv(), X)  # its first weights are a convolution's
    assert not dense_network(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(72, 3)), X)
    assert not dense_network(torch.jit.script(mlp()), X)  # no hooks: no evidence, no error


def test_a_constant_held_as_a_parameter_is_not_a_first_layer() -> None:
    class Normalised(nn.Module):
        """An exported MLP whose input mean a graph keeps as a model-level parameter."""

        def __init__(self) -> None:
            super().__init__()
            self.mean = nn.Parameter(torch.tensor(0.5))
            self.body = mlp()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(x - self.mean)

    assert dense_network(Normalised(), X)


def test_a_rise_of_exactly_the_threshold_fires_from_any_start(monkeypatch) -> None:
    # 9 of 45 images more: 4/45 -> 13/45 read 0.0889 -> 0.2889, whose rounded shares
    # subtracted to 0.19999999999999998 and did not fire, while 2/45 -> 11/45 did
    model = mlp()
    data = TensorDataset(X, torch.tensor([0, 1]), ["a", "b", "c"])
    monkeypatch.setattr(accept, "accuracy", lambda *_: 1.0)
    for start in range(0, 37):
        shares = {id(model): start / 45}
        after = (start + 9) / 45

        def fake_reach(m, *_a, _before=shares, _after=after, **_k):
            return [0.0, _before[id(model)] if m is model else _after, 0.0]

        monkeypatch.setattr(accept, "reach", fake_reach)
        final = mlp()
        seen = accept.compare(model, final, data, data, X, data.y, [], [0])
        assert "class 1 reached" in seen["worse"], start
        assert seen["reach_judged"]


def test_a_rise_one_image_short_does_not_fire(monkeypatch) -> None:
    model, final = mlp(), mlp()
    data = TensorDataset(X, torch.tensor([0, 1]), ["a", "b", "c"])
    monkeypatch.setattr(accept, "accuracy", lambda *_: 1.0)
    monkeypatch.setattr(accept, "reach",
                        lambda m, *_a, **_k: [0.0, 4 / 45 if m is model else 12 / 45, 0.0])
    assert accept.compare(model, final, data, data, X, data.y, [], [0])["worse"] == ""


def test_per_channel_constants_of_an_exported_model_are_not_a_first_layer() -> None:
    class Lifted(nn.Module):
        """An exported MLP whose normalisation constants stay model-level parameters."""

        def __init__(self) -> None:
            super().__init__()
            self.mean = nn.Parameter(torch.full((1, 1, 1, 1), 0.5))
            self.std = nn.Parameter(torch.full((1, 3, 1, 1), 0.2))
            self.body = mlp()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body((x - self.mean) / self.std[:, :1])

    assert dense_network(Lifted(), X)


def test_an_onnx_graph_says_which_weights_come_first() -> None:
    class Graph(nn.Module):
        def __init__(self, ops: tuple[str, ...]) -> None:
            super().__init__()
            self.ops = ops
            self.weight = nn.Parameter(torch.randn(64, 3))  # a MatMul's, not lifted

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.flatten(1) @ self.weight

    assert dense_network(Graph(("Flatten", "MatMul", "Add", "Relu", "MatMul", "Add")), X)
    assert dense_network(Graph(("Sub", "Div", "Flatten", "Gemm", "Relu", "Gemm")), X)
    assert not dense_network(Graph(("Identity", "Relu")), X)  # no dense node: hooks decide


def test_no_hook_is_left_behind_when_a_module_refuses_them() -> None:
    first = nn.Linear(64, 10)
    model = nn.Sequential(nn.Flatten(), first, torch.jit.script(nn.Linear(10, 3)))
    assert not dense_network(model, X)
    assert not first._forward_pre_hooks
