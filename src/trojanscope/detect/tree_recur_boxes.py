"""Leaves to replay chosen by the trigger's recurring bound, for small clean files.

``tab_box`` (:mod:`.tree_boxes`) replays the boxes of the ``top`` leaves per class that clean
rows miss most (the one-sided Poisson deficit of :mod:`.tree_mass`). A backdoor towards the
majority class is fitted late and split into small leaves (a few poison rows each, 0.1-0.5% of
the training rows): with 891 clean rows such a leaf expects 1-4 rows and ranks among the most
missed, but with 200 rows it expects under one, while natural 1% leaves miss all of their ~2
rows by chance about one time in seven; the poison leaves fall out of the top ten and their
boxes are never replayed (docs/benchmarks.md, issue 16 stop 66). The trigger's bound recurs in
every tree that fits the poison (:func:`.tree_mass.bound_recurrence` sums its groups' deficits
across trees), so the leaves that carry a class's largest recurring bounds are added to the
leaves replayed: the model, not the count of clean rows in one leaf, then says what the box
does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trojanscope.detect.tree_mass import bound_sums, deficit
from trojanscope.models.trees import LeafRecord


def top_bounds(records: list[LeafRecord], n: int, c: int, k: int | None) -> list[tuple]:
    """Class ``c``'s ``k`` bounds ``(feature, lo, hi)`` of largest deficit summed across trees
    (:func:`.tree_mass.bound_sums`, which :func:`.tree_mass.bound_recurrence` takes the largest
    of), largest first, those above 0 only (``k`` None: every one); ties keep the bound first
    met."""
    ranked = sorted(bound_sums(records, n).get(c, {}).items(), key=lambda kv: -kv[1])
    return [bound for bound, value in ranked[:k] if value > 0]


def bound_holders(records: list[LeafRecord], c: int, bound: tuple,
                  order: Callable[[LeafRecord], Any]) -> list[LeafRecord]:
    """Class ``c``'s leaves whose box holds ``bound`` ``(feature, lo, hi)`` exactly, sorted by
    ``order`` (a sort key)."""
    feature, lo, hi = bound
    return sorted((r for r in records if r.cls == c and r.box.get(feature) == (lo, hi)),
                  key=order)


def leaves_holding(bounds: list[tuple], records: list[LeafRecord], c: int,
                   order: Callable[[LeafRecord], Any], per_bound: int = 2,
                   top: int | None = None) -> list[LeafRecord]:
    """Per bound in ``bounds``' order, its first ``per_bound`` :func:`bound_holders` (each leaf
    once); up to ``top`` leaves (None: every bound's). The leaf choice ``box_recur`` and
    ``box_rank`` share, each with its own ``order``."""
    out: list[LeafRecord] = []
    for bound in bounds:
        out += [r for r in bound_holders(records, c, bound, order)[:per_bound]
                if all(r is not o for o in out)]
        if top is not None and len(out) >= top:
            break
    return out if top is None else out[:top]


def recurring_leaves(records: list[LeafRecord], n: int, c: int, bounds: int,
                     per_bound: int = 2) -> list[LeafRecord]:
    """Per bound of :func:`top_bounds`, the ``per_bound`` leaves of class ``c`` whose box holds
    it exactly, most missed first (each leaf once)."""
    return leaves_holding(top_bounds(records, n, c, bounds), records, c,
                          lambda r: -deficit(r.train, r.clean, n), per_bound)


def with_recurring(missed: list[LeafRecord], early: list[LeafRecord], n: int, c: int,
                   bounds: int) -> list[LeafRecord]:
    """``missed`` (the most missed leaves, in their order) then the leaves of
    :func:`recurring_leaves` not already among them."""
    extra = recurring_leaves(early, n, c, bounds)
    return [*missed, *(r for r in extra if all(r is not m for m in missed))]
