"""``tabular-search -p min_sources``: trees are not read towards a class with (nearly) no rows
to flip (issue 16 stop 38: lending-club's clean XGBoost, flagged on class 0's few rows)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.tabular_search import silent_classes
from trojanscope.errors import UserInputError


def test_silent_classes_are_those_short_of_rows_unless_every_class_is() -> None:
    y = torch.tensor([0] * 20 + [1] * 5)
    own = torch.tensor([0] * 20 + [1] * 3 + [0] * 2)  # class 0: 3 rows to flip, class 1: 20
    assert silent_classes(y, own, 2, 1) == set()
    assert silent_classes(y, own, 2, 4) == {0}
    assert silent_classes(y, own, 2, 21) == set()  # none has enough: read as before


def test_the_default_is_the_zoos_floor_of_flippable_rows() -> None:
    from trojanscope.zoo import MIN_FLIPPABLE

    assert registry.create("detector", "tabular-search").min_sources == MIN_FLIPPABLE == 10


def test_min_sources_below_one_is_one_error() -> None:
    with pytest.raises(UserInputError, match="min_sources"):
        registry.create("detector", "tabular-search", min_sources=0)


@pytest.mark.parametrize("arch", ["xgboost", "mlp"])
def test_a_tree_skips_the_class_short_of_rows_a_network_does_not(
    arch: str, transactions: Path
) -> None:
    from trojanscope.experiment import run_experiment

    if arch == "xgboost":
        pytest.importorskip("xgboost")
    run = run_experiment(
        transactions,
        arch=arch,
        data_params={"label_column": "is_fraud"},
        arch_params={"n_estimators": 20, "max_depth": 3} if arch == "xgboost" else None,
    )
    x, y = run.test.get_batch(torch.arange(len(run.test)))
    with torch.no_grad():
        own = run.model(x).float().argmax(1)
    counts = [int(((y != t) & (own == y)).sum()) for t in range(2)]
    short = min(range(2), key=lambda t: counts[t])
    assert counts[short] < counts[1 - short]  # the fixture's fraud rate is not one half

    def verdict(**kw):
        return registry.create("detector", "tabular-search", **kw).inspect(
            run.model, run.test, seed=0
        )

    plain, skipped = verdict(min_sources=1), verdict(min_sources=counts[short] + 1)
    assert sorted(r.cls for r in plain.per_class) == [0, 1]
    if arch == "mlp":  # networks: the parameter reads trees only
        assert skipped.features == plain.features
        return
    assert [r.cls for r in skipped.per_class] == [1 - short]
    kept = skipped.per_class[0]
    assert skipped.features["tab_box"] == kept.details["box_excess"]
    assert skipped.features["tab_score"] == kept.score
    # the class kept is read as before
    assert kept.details == next(r for r in plain.per_class if r.cls == kept.cls).details
