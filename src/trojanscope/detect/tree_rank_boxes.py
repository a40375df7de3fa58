"""Leaves to replay chosen by their recurring bound, not by one leaf's count of clean rows.

``tab_box`` (:mod:`.tree_boxes`) replays the boxes of the ``top`` leaves per class that the
clean rows miss most. With a 200-row file that ranking is chance: a backdoor towards the
majority class is split into small leaves that expect under one of 200 rows, while a larger
natural leaf in a region the file happens to hold few rows of misses all of its several
(docs/benchmarks.md, issue 16 stops 66-67). One leaf's count cannot tell them apart; the
trigger's bound can, because it recurs in every tree that fits the poison. Here a class's
bounds are ranked by their deficit summed across trees (:func:`.tree_mass.bound_sums`, what
``tab_major_recur`` reads) and, per bound, the leaves holding it are taken by the model's own
record -- leaves the file misses first, then by training cover -- in place of the most missed.
"""

from __future__ import annotations

from trojanscope.detect.tree_mass import bound_sums
from trojanscope.models.trees import LeafRecord

PER_BOUND = 2  # leaves replayed per bound


def holders(early: list[LeafRecord], c: int, bound: tuple) -> list[LeafRecord]:
    """Class ``c``'s leaves whose box holds ``bound`` ``(feature, lo, hi)`` exactly: those the
    file misses (fewer clean rows than their training share) first, then by training cover,
    largest first."""
    feature, lo, hi = bound
    mine = [r for r in early if r.cls == c and r.box.get(feature) == (lo, hi)]
    return sorted(mine, key=lambda r: (r.clean >= r.train, -r.train))


def leaves_of(bounds: list[tuple], early: list[LeafRecord], c: int,
              top: int) -> list[LeafRecord]:
    """Up to ``top`` leaves, :data:`PER_BOUND` per bound in ``bounds``' order, each once."""
    out: list[LeafRecord] = []
    for bound in bounds:
        for r in holders(early, c, bound)[:PER_BOUND]:
            if all(r is not o for o in out):
                out.append(r)
        if len(out) >= top:
            break
    return out[:top]


def bound_leaves(early: list[LeafRecord], n: int, c: int, top: int) -> list[LeafRecord]:
    """Class ``c``'s ``top`` leaves to replay: the holders of its bounds of largest deficit
    summed across ``early``'s trees (read for ``n`` clean rows), largest first."""
    sums = sorted(bound_sums(early, n).get(c, {}).items(), key=lambda kv: -kv[1])
    return leaves_of([bound for bound, value in sums if value > 0], early, c, top)
