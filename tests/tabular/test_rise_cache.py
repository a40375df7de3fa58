"""The model's kept rises (issue 16 stop 42): the twins' search reuses the linear search's
model passes, with the same numbers."""

from __future__ import annotations

import numpy as np
import torch

from trojanscope import registry
from trojanscope.detect import tabular_excess, tabular_search
from trojanscope.detect.tabular_excess import RiseCache, _rise

torch.set_num_threads(1)


class _Cand:
    def __init__(self, column: str, col: int, val: float) -> None:
        self.column, self.cols, self.vals = column, [col], [val]


class _Counting(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner, self.calls = torch.nn.Linear(4, 2), 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.inner(x)


def test_a_kept_rise_is_the_same_number_and_is_computed_once() -> None:
    torch.manual_seed(0)
    model, x = _Counting().eval(), torch.randn(30, 4)
    cands = [_Cand("a", 0, 1.0), _Cand("b", 1, -1.0), _Cand("c", 2, 2.0)]
    combos = [[cands[0], cands[1]], [cands[1], cands[2]]]
    direct = _rise(model, x, combos, 1, 0.5)
    cache = RiseCache(model)
    first = cache.rise(x, combos, 1, 0.5)
    calls = model.calls
    again = cache.rise(x.clone(), combos, 1, 0.5)  # the same rows in another tensor
    assert model.calls == calls
    assert np.array_equal(first, again) and np.array_equal(first, direct)
    again[0] = 99.0  # a caller's change does not reach the kept copy
    assert cache.rise(x, combos, 1, 0.5)[0] == first[0]
    cache.rise(x[:20], combos, 1, 0.5)  # other rows, class or combinations: computed
    cache.rise(x, combos, 0, 0.5)
    cache.rise(x, combos[:1], 1, 0.5)
    assert model.calls == calls + 3


class _NoKeep(RiseCache):
    def rise(self, x, combos, c, before):
        return tabular_excess._rise(self.model, x, combos, c, before)


def test_a_reading_with_twins_is_the_same_with_and_without_kept_rises(searched,
                                                                       monkeypatch) -> None:
    run, kept = searched("mlp", 1, twins=1)
    monkeypatch.setattr(tabular_search, "RiseCache", _NoKeep)
    plain = registry.create("detector", "tabular-search", twins=1).inspect(
        run.model, run.test, seed=0)
    assert "tab_excess_vs_twins" in kept.features
    assert plain.features == kept.features
    assert plain.target_classes == kept.target_classes
    assert plain.trigger_text == kept.trigger_text
