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

from trojanscope.detect.tree_mass import bound_sums, deficit
from trojanscope.models.trees import LeafRecord


def top_bounds(records: list[LeafRecord], n: int, c: int, k: int) -> list[tuple]:
    """Class ``c``'s ``k`` bounds ``(feature, lo, hi)`` of largest deficit summed across trees
    (:func:`.tree_mass.bound_sums`, which :func:`.tree_mass.bound_recurrence` takes the largest
    of), largest first; ties keep the bound first met."""
    ranked = sorted(bound_sums(records, n).get(c, {}).items(), key=lambda kv: -kv[1])
    return [bound for bound, value in ranked[:k] if value > 0]


def recurring_leaves(records: list[LeafRecord], n: int, c: int, bounds: int,
                     per_bound: int = 2) -> list[LeafRecord]:
    """Per bound of :func:`top_bounds`, the ``per_bound`` leaves of class ``c`` whose box holds
    it exactly, most missed first (each leaf once)."""
    out: list[LeafRecord] = []
    for feature, lo, hi in top_bounds(records, n, c, bounds):
        holders = [r for r in records if r.cls == c and r.box.get(feature) == (lo, hi)]
        holders.sort(key=lambda r: -deficit(r.train, r.clean, n))
        out += [r for r in holders[:per_bound] if all(r is not o for o in out)]
    return out


def with_recurring(missed: list[LeafRecord], early: list[LeafRecord], n: int, c: int,
                   bounds: int) -> list[LeafRecord]:
    """``missed`` (the most missed leaves, in their order) then the leaves of
    :func:`recurring_leaves` not already among them."""
    extra = recurring_leaves(early, n, c, bounds)
    return [*missed, *(r for r in extra if all(r is not m for m in missed))]
