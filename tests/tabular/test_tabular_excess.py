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


class Conjunction(nn.Module):
    """Three one-hot columns of 20 categories (A, B, C): class 1's logit rises a little with
    17 ordinary categories, and with the trigger's categories (A3, B5, C7) only together —
    none alone, half for any two, fully for all three (a conjunction learned from poison)."""

    TRIGGER = (3, 25, 47)

    def __init__(self) -> None:
        super().__init__()
        self.ordinary = [0, 1, 2, 4, 5, 6, 20, 21, 22, 23, 24, 26, 40, 41, 42, 43, 44]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        held = x[:, list(self.TRIGGER)].sum(1)
        push = 4.0 * torch.clamp(held - 1.0, min=0.0) + 0.5 * x[:, self.ordinary].sum(1)
        return torch.stack([torch.zeros(len(x)), push - 3.0], dim=1)


def _one_hot_rows(n: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    """Random categories, none of the trigger's (an unseen combination of values), each row
    once in either class: no category says anything about the label."""
    g = torch.Generator().manual_seed(1)
    x = torch.zeros(n, 60)
    for start, trigger in zip((0, 20, 40), Conjunction.TRIGGER, strict=True):
        pick = torch.randint(0, 19, (n,), generator=g)
        x[torch.arange(n), start + pick + (pick >= trigger - start).long()] = 1.0
    return torch.cat([x, x]), torch.cat([torch.zeros(n), torch.ones(n)]).long()


def _categories() -> list:
    from trojanscope.detect.tabular_search import Candidate

    out = []
    for k, start in enumerate((0, 20, 40)):
        for i in range(20):
            vals = [0.0] * 20
            vals[i] = 1.0
            out.append(Candidate("ABC"[k], f"{'ABC'[k]}{i}", list(range(start, start + 20)), vals))
    return out


def test_the_pair_screen_finds_a_trigger_whose_values_move_nothing_alone() -> None:
    from trojanscope.detect.tabular_excess import screened_excess
    from trojanscope.detect.tabular_search import TabularSearch

    x, y = _one_hot_rows()
    ref = reference_model(x, y, 2, seed=0)
    model, cands, rows = Conjunction(), _categories(), x[y == 0]
    seeded, _ = class_excess(model, ref, rows, 1, cands)  # the 15 seeds are ordinary values
    screened, combo = screened_excess(model, ref, rows, 1, cands, cands, 5, seed=0)
    assert seeded < 0.5, seeded
    assert screened > 0.8, screened
    assert {c.text for c in combo} == {"A3", "B5", "C7"}
    # through the detector: off with ``pair_screen=0``, on by default (5, issue 16 stop 36)
    assert TabularSearch().pair_screen == 5
    off = TabularSearch(pair_screen=0).class_excess(model, ref, rows, 1, cands, 0)[0]
    on, found = TabularSearch(pair_screen=5).class_excess(model, ref, rows, 1, cands, 0)
    assert off == seeded and on == screened and {c.text for c in found} == {"A3", "B5", "C7"}
    again = TabularSearch(pair_screen=5).class_excess(model, ref, rows, 1, cands, 0)[0]
    assert again == on  # seeded


def test_pair_screen_must_not_be_negative() -> None:
    import pytest

    from trojanscope.detect.tabular_search import TabularSearch
    from trojanscope.errors import UserInputError

    with pytest.raises(UserInputError, match="pair_screen"):
        TabularSearch(pair_screen=-1)
