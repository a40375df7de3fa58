"""Naming a table model's suspected trigger with the categories that turn its rows (issue 16
stop 79, h16n: candidate N79, ``name_categories``).

The trigger search's greedy (:meth:`.tabular_search.TabularSearch.greedy`) takes, one at a time,
the value that raises the class's mean probability most on the rows surest of another class. On
the fraud attack's copies runs the planted values are ones fraud rows hold (h16v's fraud-aware
values), and each alone moves few fraud rows: the model learnt their conjunction from the
triggered copies beside their clean twins. On a table of a few hundred rows the greedy's first
step is then a narrow numeric band that moves many rows on its own, and once those rows are
moved the planted values add nothing, so the line often names none of them.

Here the same greedy is run over the categories alone, on the same rows (each step the category
that turns them most towards the class), and its values on columns the greedy's set leaves out
are added after that set. The words change only: the verdict's features, probability and order
are the greedy's as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from torch import Tensor

Greedy = Callable[[Any, Tensor, int, list[Any]], tuple[list[float], list[Any], float]]


def with_categories(greedy: Greedy, model: Any, x: Tensor, t: int, candidates: Sequence[Any],
                    named: list[Any]) -> list[Any]:
    """``named`` followed by the greedy's choice among the categories of ``candidates`` (those
    without ``numeric``) on the rows ``x``, each on a column ``named`` does not set."""
    categories = [c for c in candidates if not c.numeric]
    if not categories or len(x) == 0:
        return list(named)
    out, used = list(named), {c.column for c in named}
    for cand in greedy(model, x, t, categories)[1]:
        if cand.column not in used:
            used.add(cand.column)
            out.append(cand)
    return out
