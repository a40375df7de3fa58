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

from trojanscope.detect.tree_recur_boxes import bound_holders, leaves_holding, top_bounds
from trojanscope.models.trees import LeafRecord

PER_BOUND = 2  # leaves replayed per bound


def missed_then_cover(r: LeafRecord) -> tuple[bool, int]:
    """The holders' order here: leaves the file misses (fewer clean rows than their training
    share) first, then by training cover, largest first."""
    return (r.clean >= r.train, -r.train)


def holders(early: list[LeafRecord], c: int, bound: tuple) -> list[LeafRecord]:
    """Class ``c``'s leaves whose box holds ``bound`` ``(feature, lo, hi)`` exactly, in
    :func:`missed_then_cover`'s order."""
    return bound_holders(early, c, bound, missed_then_cover)


def leaves_of(bounds: list[tuple], early: list[LeafRecord], c: int,
              top: int) -> list[LeafRecord]:
    """Up to ``top`` leaves, :data:`PER_BOUND` per bound in ``bounds``' order, each once."""
    return leaves_holding(bounds, early, c, missed_then_cover, PER_BOUND, top)


def bound_leaves(early: list[LeafRecord], n: int, c: int, top: int) -> list[LeafRecord]:
    """Class ``c``'s ``top`` leaves to replay: the holders of its bounds of largest deficit
    summed across ``early``'s trees (read for ``n`` clean rows), largest first."""
    return leaves_of(top_bounds(early, n, c, None), early, c, top)
