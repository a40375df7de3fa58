"""Holes in a small clean file told from poison by the other class's leaves.

With a 200-row file a region the file happens to hold few rows of (a *hole*) makes every leaf
in it look missed, and the trees' deficit terms (:mod:`.tree_mass`) read such chance holes as
a backdoor's missing mass (docs/benchmarks.md, issue 16 stops 66-68). A
hole is a property of the rows, so it shows in *both* classes' leaves over the region; poison
is training mass of one class only, so it shows mostly in the target's leaves. Per bound
``(feature, lo, hi)`` the other classes' leaves holding it give the file's density there: the
clean rows they see per row their training shares expect, averaged per tree that holds them
(the same rows are counted again in every tree, so pooling the trees adds no evidence), with
one pseudo row each side and the seen count raised by ``z`` of its Poisson standard errors
(a 200-row file's count of 30 where 35 are expected is noise, not a hole), at most 1. A class's
expectation in the bound's groups is scaled by that density before the deficit is read: where
the other classes hold the bound's rows as the training did, or hold no leaf with it, the
deficit is today's; where they miss them clearly too, it falls. The bound recurrence
(:func:`.tree_mass.bound_recurrence`, summed over trees) reads these groups with
``-p recur_contrast`` (issue 16 stop 68).
"""

from __future__ import annotations

from trojanscope.detect.tree_mass import deficit
from trojanscope.models.trees import LeafRecord

PSEUDO = 1.0  # pseudo rows on each side of the other classes' density (seen and expected)
Z = 1.0  # Poisson standard errors the other classes' seen rows are raised by


def other_density(records: list[LeafRecord], n: int, pseudo: float = PSEUDO,
                  z: float = Z) -> dict[tuple[int, tuple], float]:
    """Per class ``c`` and bound ``(feature, lo, hi)`` that ``c``'s leaves hold: the clean rows
    the other classes' leaves holding the bound see per tree, raised by ``z`` standard errors,
    against the rows their training shares expect per tree (``n`` clean rows; ``pseudo`` rows
    each side; at most 1; 1 where no other class's leaf holds the bound)."""
    train: dict[tuple[int, tuple], float] = {}
    clean: dict[tuple[int, tuple], float] = {}
    trees: dict[tuple[int, tuple], set[int]] = {}
    for r in records:
        for feature, (lo, hi) in r.box.items():
            key = (r.cls, (feature, lo, hi))
            train[key] = train.get(key, 0.0) + r.train
            clean[key] = clean.get(key, 0.0) + r.clean
            trees.setdefault(key, set()).add(r.tree)
    classes = sorted({r.cls for r in records})
    out: dict[tuple[int, tuple], float] = {}
    for cls, bound in train:
        others = [(o, bound) for o in classes if o != cls and (o, bound) in train]
        held = len(set().union(*(trees[k] for k in others))) if others else 0
        if not held:
            out[(cls, bound)] = 1.0
            continue
        seen = sum(clean[k] for k in others) * n / held
        expected = sum(train[k] for k in others) * n / held
        out[(cls, bound)] = min(1.0, (seen + z * seen ** 0.5 + pseudo) / (expected + pseudo))
    return out


def contrast_groups(records: list[LeafRecord], n: int, pseudo: float = PSEUDO,
                    z: float = Z) -> list[tuple[int, float, list[tuple]]]:
    """:func:`.tree_mass.pooled_groups` with each group's expected rows scaled by the other
    classes' density (:func:`other_density`) at the bound that discounts it least (a group
    is a hole only if every bound that defines it is)."""
    density = other_density(records, n, pseudo, z)
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

