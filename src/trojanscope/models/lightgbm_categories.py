"""Which LightGBM features are categorical, and which category list each pandas one has.

A LightGBM text model names its categorical features by index (``[categorical_feature: 0,2]``)
and appends ``pandas_categorical``: the categories of the training DataFrame's *category-dtype*
columns, in column order. The two differ: an integer column passed as ``categorical_feature=``
is categorical without a list (its values are the codes), and a constant category column has
a list but splits never use it. So the lists are paired with the categorical features walking
both in order: a column that holds text in the data takes the next list; a numeric one takes
it only when the list holds numbers covering the column's range and more lists remain than
text columns still need.
"""

from __future__ import annotations

import re
from typing import Any

from trojanscope.data.tabular.schema import Column
from trojanscope.errors import UserInputError

_LINE = re.compile(r"^\[categorical_feature: ([0-9,]*)\]$", re.MULTILINE)


def _declared(booster: Any) -> set[int] | None:
    """The ``[categorical_feature: ...]`` indices of the model text, or None if absent."""
    found = _LINE.search(booster.model_to_string(num_iteration=1))
    if found is None:
        return None
    return {int(v) for v in found.group(1).split(",") if v}


def _numbers(values: list[Any]) -> list[float] | None:
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return [float(v) for v in values]


def lightgbm_categories(booster: Any, columns: list[Column], source: str
                        ) -> tuple[set[int], dict[int, list[Any]]]:
    """(the model's categorical features, per pandas-category feature its categories in code
    order); ``columns`` are the data's columns in the model's feature order."""
    lists = list(getattr(booster, "pandas_categorical", None) or [])
    declared = _declared(booster)
    if declared is None:  # an old file: the features whose infos list category values
        infos = booster.dump_model(num_iteration=1).get("feature_infos", {})
        names = booster.feature_name()
        declared = {j for j, n in enumerate(names) if infos.get(n, {}).get("values")}
    order = sorted(j for j in declared if j < len(columns))
    paired: dict[int, list[Any]] = {}
    for pos, j in enumerate(order):
        if not lists:
            break
        texts_after = sum(columns[k].kind == "categorical" for k in order[pos + 1:])
        col, numbers = columns[j], _numbers(lists[0])
        takes = col.kind == "categorical" or (
            numbers is not None and len(lists) > texts_after
            and min(numbers) <= col.lo and col.hi <= max(numbers))
        if takes:
            paired[j] = lists.pop(0)
    if lists or any(columns[j].kind == "categorical" and j not in paired for j in order):
        raise UserInputError(
            f"{source}: cannot pair the model's pandas categories ({len(paired) + len(lists)} "
            f"lists) with its categorical features {order} and the data's columns"
        )
    return set(order), paired
