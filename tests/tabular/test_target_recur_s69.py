"""A tree's target named by its bound recurrence with a file in a size band
(``target_recur``), issue 16 stop 69: the order it gives, the library switch, a bad value, and
the development script's names from stored features."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from trojanscope.detect.tabular_search import (
    RECUR_NAME_MARGIN,
    TabularSearch,
    tree_target_order,
)
from trojanscope.errors import UserInputError

SURE = 15.0


def test_the_leading_recurrence_names_the_target_before_the_box() -> None:
    mass, box = np.array([3.0, 2.0]), np.array([0.6, 0.1])  # the box names class 0
    lead = np.expm1(np.array([2.0, 2.0 + RECUR_NAME_MARGIN + 0.05]))  # class 1 leads
    assert tree_target_order([0, 1], mass, SURE, box) == [0, 1]  # today: by the box
    assert tree_target_order([0, 1], mass, SURE, box, lead) == [1, 0]
    close = np.expm1(np.array([2.0, 2.0 + RECUR_NAME_MARGIN - 0.05]))  # within the margin
    assert tree_target_order([0, 1], mass, SURE, box, close) == [0, 1]


def test_missing_mass_past_mass_sure_still_names_first() -> None:
    mass = np.array([20.0, 1.0])
    lead = np.expm1(np.array([1.0, 3.0]))
    assert tree_target_order([1, 0], mass, SURE, np.array([0.0, 0.5]), lead) == [0, 1]


@pytest.mark.parametrize(("value", "xgboost", "lightgbm"), [
    ("none", False, False), ("all", True, True), ("xgboost", True, False),
    ("lightgbm", False, True)])
def test_target_recur_picks_the_libraries(value: str, xgboost: bool, lightgbm: bool) -> None:
    search = TabularSearch(target_recur=value)
    assert search.names_by_recurrence(SimpleNamespace(library="xgboost")) is xgboost
    assert search.names_by_recurrence(SimpleNamespace(library="lightgbm")) is lightgbm
    assert TabularSearch().target_recur == "none"  # the default names as before


def test_a_bad_target_recur_is_one_error() -> None:
    with pytest.raises(UserInputError,
                       match="target_recur must be one of none, all, xgboost, lightgbm"):
        TabularSearch(target_recur="yes")


def _bench(name: str):
    import importlib
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    return importlib.import_module(name)


def _row(mass: float, lead: float, named: int, skipped: list[int] | None = None) -> dict:
    return {"zoo": "z", "name": "m", "table": "credit-default", "predicted_target": named,
            "skipped": skipped or [],
            "features": {"tab_mass": math.log1p(mass), "tab_major_recur_lead": lead}}


def test_the_stored_rows_are_named_as_the_option_names() -> None:
    recur_name = _bench("tabular_s69_h16_named").recur_name
    assert recur_name(_row(5.0, -0.6, 0)) == 1  # the minority class leads: named
    assert recur_name(_row(5.0, 0.6, 1)) == 0  # the majority class leads
    assert recur_name(_row(5.0, -0.1, 0)) == 0  # within the margin: today's name
    assert recur_name(_row(20.0, -0.6, 0)) == 0  # named by the missing mass, as today
    assert recur_name(_row(5.0, -0.6, 0, skipped=[1])) == 0  # an unsearched class never
    with pytest.raises(SystemExit, match="two-class tables only"):
        recur_name({**_row(5.0, -0.6, 0), "table": "iris"})
