"""Holes in a small clean file told from poison by the other class's leaves.

With a 200-row file a region the file happens to hold few rows of (a *hole*) makes every leaf
in it look missed, and the trees' deficit terms (:mod:`.tree_mass`) read such chance holes as
a backdoor's missing mass (docs/benchmarks.md, issue 16 stops 66-68). A
hole is a property of the rows, so it shows in *both* classes' leaves over the region; poison
is training mass of one class only, so it shows in the target's leaves alone. Per bound
``(feature, lo, hi)`` the other classes' leaves holding it, pooled over the trees, give the
file's density there (clean rows seen per row their training share expects, one pseudo row
each side, at most 1); a class's expectation in the bound's groups is scaled by it before the
deficit is read. Where the other classes hold the bound's rows as the training did, or hold no
leaf with it, the deficit is today's; where they miss them too, it falls. The bound recurrence
(:func:`.tree_mass.bound_recurrence`, summed over trees) reads these groups with
``-p recur_contrast``; on development XGBoost trees with 200-row files it separated the
majority class's backdoors better than today's (stop 68), LightGBM's worse.
"""

from __future__ import annotations

from trojanscope.detect.tree_mass import deficit
from trojanscope.models.trees import LeafRecord

PSEUDO = 1.0  # pseudo rows on each side of the other classes' density (seen and expected)


def other_density(records: list[LeafRecord], n: int) -> dict[tuple[int, tuple], float]:
    """Per class ``c`` and bound ``(feature, lo, hi)`` that ``c``'s leaves hold: the clean rows
    the other classes' leaves holding the bound see per row their training shares expect,
    pooled over every tree of ``records`` (``n`` clean rows; :data:`PSEUDO` rows each side;
    at most 1)."""
    train: dict[tuple[int, tuple], float] = {}
    clean: dict[tuple[int, tuple], float] = {}
    classes = sorted({r.cls for r in records})
    for r in records:
        for feature, (lo, hi) in r.box.items():
            key = (r.cls, (feature, lo, hi))
            train[key] = train.get(key, 0.0) + r.train
            clean[key] = clean.get(key, 0.0) + r.clean
    out: dict[tuple[int, tuple], float] = {}
    for cls, bound in train:
        seen = sum(clean.get((o, bound), 0.0) for o in classes if o != cls) * n
        expected = sum(train.get((o, bound), 0.0) for o in classes if o != cls) * n
        out[(cls, bound)] = min(1.0, (seen + PSEUDO) / (expected + PSEUDO))
    return out


def contrast_groups(records: list[LeafRecord], n: int) -> list[tuple[int, float, list[tuple]]]:
    """:func:`.tree_mass.pooled_groups` with each group's expected rows scaled by the other
    classes' density (:func:`other_density`) at the bound that discounts it least (a group
    is a hole only if every bound that defines it is)."""
    density = other_density(records, n)
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(records):
        for feature, (lo, hi) in r.box.items():
            groups.setdefault((r.tree, r.cls, feature, lo, hi), []).append(i)
    pooled: dict[tuple[int, frozenset[int]], list] = {}
    for (_, cls, *bound), members in groups.items():
        key = (cls, frozenset(members))
        pooled.setdefault(key, [cls, members, []])[2].append(tuple(bound))
    out = []
    for cls, members, bounds in pooled.values():
        scale = max(density[(cls, b)] for b in bounds)
        out.append((cls, deficit(sum(records[i].train for i in members) * scale,
                                 sum(records[i].clean for i in members), n), bounds))
    return out

