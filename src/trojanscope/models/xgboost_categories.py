"""Which XGBoost features are categorical, and the categories each one was trained on.

An XGBoost model fitted with ``enable_categorical=True`` (what the scikit-learn wrapper does
with a DataFrame of pandas categories) marks those features ``c`` in ``feature_types`` and splits
on sets of category *codes*. Since XGBoost 3.1 the file also stores each feature's categories in
code order (``gradient_booster.model.cats.enc``: strings as UTF-8 bytes cut at ``offsets``,
numbers as ``values``), which is how xgboost itself re-codes a DataFrame at prediction. A category
the model never saw is refused, as xgboost refuses it (XGBoost 3.2 says "Found a category not in
the training set" for one sorted after all of the model's; one sorted among them it reads, by a
sorted search, as the next category: measured, ``benchmarks/xgboost_categorical_check.py``). The
codes are read from there only: a file without them (saved by an older XGBoost) cannot say
which text value is which code, so a text column is refused; a numeric column without a list is
its own codes (a model fitted on integer codes), as xgboost reads it.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from trojanscope.data.tabular.schema import MISSING, Column
from trojanscope.errors import UserInputError
from trojanscope.models.lightgbm_categories import _show


def stored_categories(booster: Any) -> dict[int, list[Any]]:
    """Per feature, the categories the model file stores, in code order (empty: none)."""
    gradient = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]
    model = gradient.get("model") or gradient.get("gbtree", {}).get("model", {})
    out: dict[int, list[Any]] = {}
    for j, enc in enumerate((model.get("cats") or {}).get("enc") or []):
        offsets, values = enc.get("offsets"), enc.get("values") or []
        if offsets:  # strings: UTF-8 bytes, category k between offsets k and k + 1
            raw = bytes(values)
            out[j] = [raw[a:b].decode("utf-8") for a, b in pairwise(offsets)]
        elif values:
            out[j] = [float(v) for v in values]
    return out


def xgboost_categories(booster: Any, columns: list[Column], source: str
                       ) -> tuple[set[int], dict[int, list[Any]]]:
    """(the model's categorical features, per such feature its categories in code order where
    the file stores them); ``columns`` are the data's columns in the model's feature order. A
    text column without stored categories, or holding a category the list does not, and a
    numeric column paired with text categories are one error each, naming the feature."""
    types = list(booster.feature_types or [])
    categorical = {j for j, t in enumerate(types) if t == "c" and j < len(columns)}
    stored = stored_categories(booster)
    lists = {j: stored[j] for j in categorical if j in stored}
    for j in sorted(categorical):
        col, values = columns[j], lists.get(j)
        texts = values is not None and all(isinstance(v, str) for v in values)
        if col.kind == "categorical" and values is None:
            raise UserInputError(
                f"{source}: the XGBoost model treats {col.name!r} as categorical "
                "(enable_categorical) but the file does not store its categories (saved by "
                "XGBoost before 3.1), so their codes are unknown; save the model again with "
                "XGBoost 3.1 or later, or encode the column as numbers")
        unseen = [c for c in col.categories if c != MISSING and c not in (values or ())]
        if col.kind == "categorical" and (unseen or not texts):
            raise UserInputError(unseen_words(source, col.name, unseen or list(col.categories),
                                              values))
        if col.kind != "categorical" and texts:
            raise UserInputError(
                f"{source}: feature {col.name!r} holds numbers in the data but the model's "
                f"categories for it are text ({_show(values)})")
    return categorical, lists


def unseen_words(source: str, feature: str, unseen: list[Any], model: list[Any] | None) -> str:
    """The refusal of data categories (text or number-like) that ``model``'s list lacks: such
    a category has no code, and xgboost's own reading of one is not certain (3.2 reads one
    sorted among the model's as the next, refuses one sorted after them)."""
    return (f"{source}: feature {feature!r}: the data's categories {_show(unseen)} are not "
            f"among the model's ({_show(model)}); a category the model never saw has no code "
            "(xgboost reads one as a neighbouring category or refuses it): give the table the "
            "model was trained on, or leave out the rows holding them")
