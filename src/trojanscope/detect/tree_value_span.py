"""A tree's numeric trigger candidate in the table's words: the range of values between the
ensemble's split thresholds that the search's value stands for, not that value.

The tabular search sets a numeric column of a tree model to the midpoint of an interval between
two of its split thresholds (:meth:`TabularSearch.numeric_values`): every value in that interval
reaches the same leaves, so the search learnt the interval, not the midpoint. Stop 77's first
contact (hfix) read "suspected trigger: amount = 73.315 and …" on a user's fraud table, where no
row carries 73.315 and five rows fall in the interval 72.36 to 74.27 the tree reads alike; the
trigger line now names the interval, with the library's side of each threshold (XGBoost sends a
row left where ``x < cut``, LightGBM where ``x <= cut``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from trojanscope.data.tabular.schema import Column

# the side of a split threshold a value equal to it falls on: (lower bound's operator, upper's)
SIDES = {"xgboost": ("<=", "<"), "lightgbm": ("<", "<=")}


def span_words(column: Column, value: float, cuts: Iterable[float],
               library: str | None) -> str | None:
    """``"72.36 < amount <= 74.27"`` for the encoded ``value`` of a tree of ``library`` whose
    thresholds on this column are ``cuts`` (encoded); one bound where the value lies beyond
    every threshold on that side; ``"hour = 15"`` where an integer column's interval holds one
    whole number. None for a library whose side of a threshold is not known, or where no
    threshold bounds the value (the value's own words stand then)."""
    if library not in SIDES:
        return None
    cuts = sorted({float(c) for c in cuts})
    below = [c for c in cuts if c < value]
    above = [c for c in cuts if c > value]
    if not below and not above:
        return None
    low = _raw(column, below[-1]) if below else None
    high = _raw(column, above[0]) if above else None
    if column.integer:
        return _whole(column.name, low, high, library)
    lo_op, hi_op = SIDES[library]
    if low is None:
        return f"{column.name} {hi_op} {high:g}"
    if high is None:
        return f"{column.name} {'>=' if lo_op == '<=' else '>'} {low:g}"
    return f"{low:g} {lo_op} {column.name} {hi_op} {high:g}"


def _raw(column: Column, encoded: float) -> float:
    """The threshold in the column's units, unrounded (``Column.unscale`` rounds an integer
    column's), to 9 decimals against the float noise of the encoding."""
    return round(column.lo + encoded * (column.hi - column.lo), 9)


def _whole(name: str, low: float | None, high: float | None, library: str) -> str | None:
    """An integer column's interval as the whole numbers it holds; None where it holds none
    (two thresholds inside one unit: "73 <= hour <= 72"; the stop-77 read-through, hrev), so
    the value's own words stand."""
    if library == "xgboost":  # low <= x < high
        first = None if low is None else math.ceil(low)
        last = None if high is None else math.ceil(high) - 1
    else:  # low < x <= high
        first = None if low is None else math.floor(low) + 1
        last = None if high is None else math.floor(high)
    if first is not None and last is not None and first > last:
        return None
    if first is None:
        return f"{name} <= {last}"
    if last is None:
        return f"{name} >= {first}"
    return f"{name} = {first}" if first == last else f"{first} <= {name} <= {last}"
