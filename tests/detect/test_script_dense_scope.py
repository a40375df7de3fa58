"""``auto``'s dense scope read from a TorchScript graph (stop 38 review): the reading must agree
with the eager one whether the model was traced or scripted, so the same model gets the same
verdict in either file format."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trojanscope.mitigate.stripe_projection import dense_network, script_dense_network

SIDE = 8
X = torch.rand(2, 1, SIDE, SIDE)


class _MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(SIDE * SIDE, 16), nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(F.relu(self.a(x.flatten(1))))


class _GramFirst(nn.Module):  # a matmul of the input with itself, then a Linear: dense
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(SIDE * SIDE, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a((x[:, 0] @ x[:, 0].transpose(1, 2)).flatten(1))


class _RowLSTM(nn.Module):  # a recurrent reader of image rows: not an MLP
    def __init__(self) -> None:
        super().__init__()
        self.r, self.o = nn.LSTM(SIDE, 8, batch_first=True), nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.r(x[:, 0])
        return self.o(h[:, -1])


class _Embed(nn.Module):  # an embedding first: not an MLP
    def __init__(self) -> None:
        super().__init__()
        self.e, self.o = nn.Embedding(16, 2), nn.Linear(SIDE * SIDE * 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.o(self.e((x * 15).long()).flatten(1))


class _GateThenConv(nn.Module):  # a Linear gate, then a functional convolution
    def __init__(self) -> None:
        super().__init__()
        self.g = nn.Linear(SIDE * SIDE, 1)
        self.w = nn.Parameter(torch.randn(2, 1, 3, 3))
        self.o = nn.Linear(2 * (SIDE - 2) ** 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.g(x.flatten(1)))
        return self.o(F.conv2d(x, self.w).flatten(1)) * gate


class _BranchMLP(nn.Module):  # scripted: the first Linear inside an ``if``
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(SIDE * SIDE, 16), nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:  # noqa: SIM108 (the branch is what is tested)
            h = self.a(x.flatten(1))
        else:
            h = self.a(x)
        return self.b(F.relu(h))


class _BranchConv(nn.Module):  # scripted: a functional convolution inside an ``if``
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(2, 1, 3, 3))
        self.o = nn.Linear(2 * (SIDE - 2) ** 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            x = F.conv2d(x, self.w)
        return self.o(x.flatten(1))


CASES = [(_MLP, True), (_GramFirst, True), (_RowLSTM, False), (_Embed, False),
         (_GateThenConv, False), (_BranchMLP, True), (_BranchConv, False)]


@pytest.mark.parametrize(("cls", "dense"), CASES, ids=[c.__name__ for c, _ in CASES])
def test_the_graph_reading_agrees_with_the_eager_one_traced_or_scripted(cls, dense) -> None:
    torch.manual_seed(0)
    model = cls().eval()
    assert dense_network(model, X) is dense  # the eager reading the graph must agree with
    assert script_dense_network(torch.jit.trace(model, X)) is dense
    assert script_dense_network(torch.jit.script(model)) is dense
