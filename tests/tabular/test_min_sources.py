"""``tabular-search -p min_sources``: trees are not read towards a class with (nearly) no rows
to flip (issue 16 stop 38: lending-club's clean XGBoost, flagged on class 0's few rows)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.tabular_search import silent_classes, skipped_of
from trojanscope.errors import UserInputError


def test_silent_classes_are_those_short_of_rows_unless_every_class_is() -> None:
    y = torch.tensor([0] * 20 + [1] * 50)
    own = torch.tensor([0] * 20 + [1] * 3 + [0] * 47)  # class 0: 3 rows to flip, class 1: 20
    assert silent_classes(y, own, 2, 1) == set()
    assert silent_classes(y, own, 2, 4) == {0}  # 3 < 4 and 3 < 0.2 * 50
    # every class short of rows (3 of 50 each): none is skipped, read as before
    y = torch.tensor([0] * 50 + [1] * 50)
    own = torch.tensor([0] * 3 + [1] * 47 + [1] * 3 + [0] * 47)
    assert silent_classes(y, own, 2, 4) == set()


def test_a_class_short_of_rows_in_a_small_file_is_still_searched() -> None:
    # review of stop 38: a 200-row user file with 9 fraud rows, 5 answered rightly — a small
    # count, but not a small share of the other class's rows: searched (a real backdoor
    # towards class 0 was missed before)
    y = torch.tensor([0] * 191 + [1] * 9)
    own = torch.tensor([0] * 191 + [1] * 5 + [0] * 4)
    assert silent_classes(y, own, 2, 10) == set()
    assert skipped_of([5, 191], [9, 191], 10) == set()
    assert skipped_of([5, 191], [103, 191], 10) == {0}  # lending-club's: 5 of 103 bad rows


def test_the_default_is_the_zoos_floor_of_flippable_rows() -> None:
    from trojanscope.zoo import MIN_FLIPPABLE

    assert registry.create("detector", "tabular-search").min_sources == MIN_FLIPPABLE == 10


def test_min_sources_below_one_is_one_error() -> None:
    with pytest.raises(UserInputError, match="min_sources"):
        registry.create("detector", "tabular-search", min_sources=0)


@pytest.mark.parametrize("arch", ["xgboost", "mlp"])
def test_a_tree_skips_the_class_short_of_rows_a_network_does_not(
    arch: str, transactions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trojanscope.detect import tabular_search
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

    few = counts[short] + 1
    plain, default = verdict(min_sources=1), verdict(min_sources=few)
    assert sorted(r.cls for r in plain.per_class) == [0, 1]
    if arch == "mlp":  # networks: the parameter reads trees only, and says so
        assert default.features == plain.features
        assert any("min_sources=3 not read" in n for n in verdict(min_sources=3).coverage_notes)
        assert not any("min_sources" in n for n in verdict().coverage_notes)  # the default
        return
    # the tiny file's short class has few rows, but not a small share of the other class's
    # (review of stop 38): searched, no note
    assert counts[short] >= tabular_search.SILENT_SHARE * int((y != short).sum())
    assert default.features == plain.features
    assert not any("not searched" in n for n in default.coverage_notes)
    # where they are a small share too, it is skipped, said so, and not ranked
    monkeypatch.setattr(tabular_search, "SILENT_SHARE", 1.0)
    skipped = verdict(min_sources=few)
    assert [r.cls for r in skipped.per_class] == [1 - short]
    assert skipped.target_classes == [1 - short]
    assert any(
        f"class {short} not searched: only {counts[short]} of the" in n
        and f"< min_sources {few}" in n
        and "min_sources=1" in n
        for n in skipped.coverage_notes
    )
    kept = skipped.per_class[0]
    assert skipped.features["tab_box"] == kept.details["box_excess"]
    assert skipped.features["tab_score"] == kept.score
    # the class kept is read as before
    assert kept.details == next(r for r in plain.per_class if r.cls == kept.cls).details
