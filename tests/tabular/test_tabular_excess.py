"""``tab_excess``: a model's response to column values beyond what the clean rows explain."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trojanscope.detect.tabular_excess import class_excess, reference_model


@dataclass
class Cand:
    column: str
    cols: list[int]
    vals: list[float]


class Planted(nn.Module):
    """The reference's logits, plus a push to class 1 when columns 2 and 3 are both 1."""

    def __init__(self, base: nn.Module, push: float) -> None:
        super().__init__()
        self.base, self.push = base, push

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x).clone()
        out[:, 1] += self.push * ((x[:, 2] > 0.5) & (x[:, 3] > 0.5)).float()
        return out


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(600, 5, generator=g) > 0.5).float()
    # column 0 decides the label (a natural factor the data back); 2 and 3 mean nothing
    y = ((x[:, 0] + 0.3 * torch.randn(600, generator=g)) > 0.5).long()
    return x, y


def test_a_response_the_data_do_not_back_is_excess_a_natural_one_is_not() -> None:
    x, y = _data()
    ref = reference_model(x, y, 2, seed=0)
    cands = [Cand(f"c{i}", [i], [v]) for i in range(5) for v in (0.0, 1.0)]
    rows = x[y == 0]
    clean_ex, _ = class_excess(ref, ref, rows, 1, cands)  # the data's own response
    planted_ex, combo = class_excess(Planted(ref, 8.0), ref, rows, 1, cands)
    assert abs(clean_ex) < 0.05, clean_ex
    assert planted_ex > 0.5, planted_ex
    assert {(c.column, c.vals[0]) for c in combo} >= {("c2", 1.0), ("c3", 1.0)}


def test_reference_is_seeded() -> None:
    x, y = _data()
    a, b = reference_model(x, y, 2, seed=3), reference_model(x, y, 2, seed=3)
    assert torch.equal(a.weight, b.weight)
    # it learns the natural factor: column 0 pushes to class 1
    w = a.weight.detach()
    assert float(w[1, 0] - w[0, 0]) > 1.0
