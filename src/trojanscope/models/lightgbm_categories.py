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


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _checked_lists(raw: Any, source: str) -> list[list[Any]]:
    """The file's ``pandas_categorical`` as lists of distinct category values, or one error
    line saying what the file holds instead (a hand-edited or foreign file)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise UserInputError(f"{source}: pandas_categorical is not a list of category lists "
                             f"(the file says {_show(raw)})")
    for k, values in enumerate(raw):
        if not isinstance(values, list) or not values or not all(_scalar(v) for v in values):
            raise UserInputError(f"{source}: pandas_categorical list {k + 1} is not a list of "
                                 f"category values (the file says {_show(values)})")
        seen = set()
        for v in values:
            if v in seen:
                raise UserInputError(f"{source}: pandas_categorical list {k + 1} names "
                                     f"category {v!r} twice (the file says {_show(values)})")
            seen.add(v)
    return [list(v) for v in raw]


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _split_codes(booster: Any) -> dict[int, int]:
    """Per feature split on as a category set (``==``): the largest code the splits name."""
    out: dict[int, int] = {}
    for tree in booster.dump_model().get("tree_info", []):
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "leaf_value" in node:
                continue
            if node.get("decision_type", "<=") == "==":
                codes = [int(c) for c in str(node["threshold"]).split("||") if c.strip()]
                j = int(node["split_feature"])
                out[j] = max([out.get(j, -1), *codes])
            stack.extend(node[k] for k in ("left_child", "right_child"))
    return out


def _check_pairs(booster: Any, columns: list[Column], paired: dict[int, list[Any]],
                 source: str) -> None:
    """Each paired list must fit what the model and the data say of its feature: as many
    categories as the splits' codes need, and (a text column) some of the data's values."""
    codes = _split_codes(booster)
    for j, values in paired.items():
        col = columns[j]
        if codes.get(j, -1) >= len(values):
            raise UserInputError(
                f"{source}: feature {col.name!r}: the model splits on category code "
                f"{codes[j]} but the file's pandas_categorical list for it holds "
                f"{len(values)} categories ({_show(values)})")
        if col.kind == "categorical" and not set(col.categories) & set(values):
            raise UserInputError(
                f"{source}: feature {col.name!r}: none of the data's categories "
                f"({_show(list(col.categories))}) is in the file's pandas_categorical list "
                f"for it ({_show(values)})")


def lightgbm_categories(booster: Any, columns: list[Column], source: str
                        ) -> tuple[set[int], dict[int, list[Any]]]:
    """(the model's categorical features, per pandas-category feature its categories in code
    order); ``columns`` are the data's columns in the model's feature order. A
    ``pandas_categorical`` that does not fit (not lists of values, a category twice, fewer
    categories than the splits' codes, none of a text column's values) is one error naming
    the feature and what the file says."""
    lists = _checked_lists(getattr(booster, "pandas_categorical", None), source)
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
            f"lists) with its categorical features {[columns[j].name for j in order]} and "
            f"the data's columns (the file's pandas_categorical: "
            f"{_show(getattr(booster, 'pandas_categorical', None))})"
        )
    _check_pairs(booster, columns, paired, source)
    return set(order), paired
