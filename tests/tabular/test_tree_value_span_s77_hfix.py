"""A tree's numeric trigger value is named as the range between the split thresholds it stands
for (stop 77 first contact, hcmd's (2): "suspected trigger: amount = 73.315 and …" on a
user's fraud table named a value no row carries; the tree reads 72.36 to 74.27 alike)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.attacks.tabular import TabularBadNets
from trojanscope.data.tabular.schema import Column
from trojanscope.detect.tabular_search import apply
from trojanscope.detect.tree_value_span import span_words
from trojanscope.experiment import run_experiment

AMOUNT = Column("amount", "numeric", lo=0.0, hi=100.0)
HOUR = Column("hour", "numeric", lo=0.0, hi=20.0, integer=True)


def test_the_range_has_each_librarys_side_of_a_threshold() -> None:
    cuts = [0.1, 0.2, 0.5]  # 10, 20, 50 in the column's units
    assert span_words(AMOUNT, 0.15, cuts, "lightgbm") == "10 < amount <= 20"
    assert span_words(AMOUNT, 0.15, cuts, "xgboost") == "10 <= amount < 20"
    assert span_words(AMOUNT, 0.05, cuts, "lightgbm") == "amount <= 10"
    assert span_words(AMOUNT, 0.7, cuts, "lightgbm") == "amount > 50"
    assert span_words(AMOUNT, 0.7, cuts, "xgboost") == "amount >= 50"
    assert span_words(AMOUNT, 0.15, cuts, "sklearn") is None  # a side not known: the value
    assert span_words(AMOUNT, 0.15, [], "lightgbm") is None


def test_an_integer_column_reads_as_its_whole_numbers() -> None:
    cuts = [13.5 / 20, 16.5 / 20, 17.5 / 20, 18.5 / 20]
    assert span_words(HOUR, 15 / 20, cuts, "lightgbm") == "14 <= hour <= 16"
    assert span_words(HOUR, 18 / 20, cuts, "lightgbm") == "hour = 18"
    assert span_words(HOUR, 15 / 20, [13 / 20, 17 / 20], "lightgbm") == "14 <= hour <= 17"
    assert span_words(HOUR, 15 / 20, [13 / 20, 17 / 20], "xgboost") == "13 <= hour <= 16"


@pytest.mark.parametrize("arch", ["lightgbm", "xgboost"])
def test_the_tree_reads_every_value_of_a_named_range_alike(arch: str,
                                                          transactions: Path) -> None:
    run = run_experiment(transactions, attack=TabularBadNets(target=1, poison_rate=0.3, seed=1),
                         arch=arch, data_params={"label_column": "is_fraud"},
                         arch_params={"n_estimators": 20, "max_depth": 3})
    search = registry.create("detector", "tabular-search")
    schema, x = run.test.schema, run.test.x[:40]
    spans = [c for c in search.candidates(run.model, schema, x) if c.numeric]
    assert spans and all(c.span for c in spans)  # every value a tree's search sets
    cuts = run.model.split_points()
    for c in spans[::3]:
        f, v = c.cols[0], c.vals[0]
        low = max([s for s in cuts[f] if s < v], default=v - 0.05)
        high = min([s for s in cuts[f] if s > v], default=v + 0.05)
        with torch.no_grad():
            mid = run.model(apply(x, c))
            for end in (low + 1e-4 * (high - low), high - 1e-4 * (high - low)):
                other = apply(x, type(c)(c.column, c.text, c.cols, [end, *c.vals[1:]]))
                assert torch.allclose(run.model(other), mid), c.said
    verdict = search.inspect(run.model, run.test, seed=0)
    words = " and ".join(verdict.trigger_text.values())
    assert "=" in words or "<" in words
    numeric = {c.column for c in spans}
    for part in words.split(" and "):  # a numeric column is named by its range
        if numeric & set(part.split()):
            assert part in {c.span for c in spans}, part


def test_an_integer_interval_holding_no_whole_number_leaves_the_value() -> None:
    """Two thresholds inside one unit (72.2 and 72.8 on an hour column) hold no whole number:
    the span gives way to the value's own words, not "73 <= hour <= 72" (stop 77 read-through,
    hrev)."""
    hour = Column("hour", "numeric", lo=0.0, hi=100.0, integer=True)
    for library in ("lightgbm", "xgboost"):
        assert span_words(hour, 0.725, [0.722, 0.728], library) is None
    assert span_words(hour, 0.725, [0.715, 0.728], "lightgbm") == "hour = 72"
