"""``tab_excess``: a model's response to column values beyond what the clean rows explain."""

from __future__ import annotations

import inspect
import itertools
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


def _wide(columns: int, per: int, n: int = 40) -> tuple[torch.Tensor, list]:
    """``n`` rows of ``columns`` one-hot columns of ``per`` categories each, and the categories."""
    from trojanscope.detect.tabular_search import Candidate

    g = torch.Generator().manual_seed(2)
    x = torch.zeros(n, columns * per)
    cands = []
    for k in range(columns):
        x[torch.arange(n), k * per + torch.randint(0, per, (n,), generator=g)] = 1.0
        for i in range(per):
            vals = [0.0] * per
            vals[i] = 1.0
            cands.append(Candidate(f"c{k}", f"v{i}", list(range(k * per, (k + 1) * per)), vals))
    return x, cands


def test_the_pair_screen_scores_at_most_its_cap_of_pairs(monkeypatch) -> None:
    from trojanscope.detect import tabular_excess as te

    # 4 columns of 100 categories: 60,000 pairs of two columns (~50 s screened in full), over
    # a cap of 2,000 (stop 61: scoring the shipped cap's 20,000 made this test 13.3 CPU-s, 2.9
    # now; the same path, and the default below is the shipped cap)
    x, cands = _wide(4, 100)
    assert te.cross_pairs(cands) == 60000
    assert inspect.signature(te.screened_excess).parameters["cap"].default == te.MAX_SCREEN_PAIRS
    model = nn.Linear(x.shape[1], 2)
    scored: list[int] = []
    real = te._excess
    monkeypatch.setattr(te, "_excess", lambda m, r, rows, c, combos, rises=None: (
        scored.append(len(combos)), real(m, r, rows, c, combos, rises))[1])
    _, combo = te.screened_excess(model, model, x, 1, cands, [], 5, seed=0, cap=2000)
    pairs = [k for k in scored if k > len(cands)]  # the singles that rank the categories aside
    assert pairs and max(pairs) == 2000, scored
    assert len(combo) == 2
    # a small cap: the categories kept are those of the highest single excess
    single = real(model, model, x[torch.randperm(len(x),
                                                 generator=torch.Generator().manual_seed(0))[:32]],
                  1, [[a] for a in cands])
    kept = te.capped_pairs(cands, single, 50)
    assert len(kept) == 50 and all(a.column != b.column for a, b in kept)
    rank = {id(c): float(s) for c, s in zip(cands, single, strict=True)}
    sums = sorted((rank[id(a)] + rank[id(b)] for a, b in itertools.combinations(cands, 2)
                   if a.column != b.column), reverse=True)
    assert sorted((rank[id(a)] + rank[id(b)] for a, b in kept), reverse=True) == sums[:50]
    # under the cap nothing changes: the Conjunction's trigger is found as before
    xs, ys = _one_hot_rows()
    ref = reference_model(xs, ys, 2, seed=0)
    rows = xs[ys == 0]
    cats = _categories()
    full = te.screened_excess(Conjunction(), ref, rows, 1, cats, cats, 5, seed=0)
    assert te.cross_pairs(cats) == 1200
    assert {c.text for c in full[1]} == {"A3", "B5", "C7"}


def test_a_value_every_row_holds_pairs_with_nothing(monkeypatch) -> None:
    from trojanscope.detect import tabular_excess as te
    from trojanscope.detect.tabular_search import Candidate

    # the Conjunction's table with a constant column D (one category, "DE", on every row):
    # a pair with DE is a single value, so neither search scores one
    x, y = _one_hot_rows()
    x = torch.cat([x, torch.ones(len(x), 1)], dim=1)
    ref = reference_model(x, y, 2, seed=0)
    de = Candidate("D", "DE", [60], [1.0])
    cats = [*_categories(), de]
    assert te.held_by_all(cats, x) == cats[:-1]
    scored: list = []
    real = te._excess
    monkeypatch.setattr(te, "_excess", lambda m, r, rows, c, combos, rises=None: (
        scored.extend(combos), real(m, r, rows, c, combos, rises))[1])
    rows = x[y == 0]
    te.class_excess(Conjunction(), ref, rows, 1, cats)
    _, found = te.screened_excess(Conjunction(), ref, rows, 1, cats, cats, 5, seed=0)
    assert scored and not any(de in scored_combo for scored_combo in scored)
    assert {c.text for c in found} == {"A3", "B5", "C7"}


def test_each_negative_count_says_which() -> None:
    import pytest

    from trojanscope.detect.tabular_search import TabularSearch
    from trojanscope.errors import UserInputError

    with pytest.raises(UserInputError, match=r"^tabular-search: pair_screen must be >= 0$"):
        TabularSearch(pair_screen=-1)
    with pytest.raises(UserInputError, match=r"^tabular-search: references must be >= 0$"):
        TabularSearch(references=-1)


def test_auto_points_tabular_search_parameters_to_their_method() -> None:
    import pytest

    from trojanscope import registry
    from trojanscope.errors import UserInputError

    # ``detect -p pair_screen=0`` (method auto): the table's search takes it, auto does not
    with pytest.raises(UserInputError, match="give --method tabular-search"):
        registry.create("detector", "auto", pair_screen=0)
    with pytest.raises(UserInputError, match="has no parameter") as err:
        registry.create("detector", "auto", nonsense=1)
    assert "tabular-search" not in str(err.value)
