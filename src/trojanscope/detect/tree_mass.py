"""Training mass that clean data never reach: a tree ensemble's own record of poison.

Boosted trees store, per leaf, how much of the training data reached it (LightGBM's
``leaf_count``, XGBoost's ``cover``). Clean rows drawn like the training rows reach each leaf
in about the same share. Poison rows are not drawn like them: a trigger is a combination of
values that clean rows hardly hold, and the trees isolate the poison in leaves of their own,
leaves that held ~1% of the training rows and that no clean row reaches. Per leaf of the first
``trees`` trees, the one-sided Poisson deviance of the clean rows reaching it against the
share the training rows put there (only where fewer clean rows arrive than expected) measures
this; per class, the mean of the ``top`` largest. Natural leaves miss clean rows by chance
too (small leaves, few clean rows), so this is a calibrator feature, not a verdict.
"""

from __future__ import annotations

import numpy as np


def deficit(train: float, clean: float, n: int) -> float:
    """One-sided Poisson deviance of ``clean * n`` rows seen against ``train * n`` expected
    (0 when at least as many are seen)."""
    expected, seen = train * n, clean * n
    if seen >= expected:
        return 0.0
    if seen <= 0:
        return 2.0 * expected
    return float(2.0 * (seen * np.log(seen / expected) - (seen - expected)))


def missing_mass(shares: list[tuple[int, float, float]], n_clean: int, num_classes: int,
                 top: int = 10) -> np.ndarray:
    """Per class: mean of the ``top`` largest deficits of its leaves (``leaf_shares``
    triples: class, training share, clean share) for ``n_clean`` clean rows."""
    per_class: list[list[float]] = [[] for _ in range(num_classes)]
    for cls, train, clean in shares:
        if clean < train:
            per_class[cls].append(deficit(train, clean, n_clean))
    return np.asarray([np.mean(sorted(d, reverse=True)[:top]) if d else 0.0
                       for d in per_class])


def class_mass_norms(shares: list[tuple[int, float, float]], n_clean: int, num_classes: int,
                     prior: np.ndarray, top: int = 10) -> dict[str, np.ndarray]:
    """Per class, the missing mass set against what the clean model allows for the class:
    ``raw`` (:func:`missing_mass`), ``mean`` (over the mean deficit of every leaf of the
    class: its natural scale), ``median`` (over the median of its positive deficits) and
    ``prior`` (times ``prior``, the share of clean rows the model predicts as the class)."""
    raw = missing_mass(shares, n_clean, num_classes, top)
    every: list[list[float]] = [[] for _ in range(num_classes)]
    for cls, train, clean in shares:
        every[cls].append(deficit(train, clean, n_clean))
    mean = np.asarray([np.mean(d) if d else 0.0 for d in every])
    median = np.asarray([np.median([v for v in d if v > 0]) if any(v > 0 for v in d) else 0.0
                         for d in every])
    return {"raw": raw, "mean": raw / np.maximum(mean, 1e-6),
            "median": raw / np.maximum(median, 1e-6), "prior": raw * np.asarray(prior)}


def grouped_mass(records: list, n_clean: int, num_classes: int, top: int = 3) -> np.ndarray:
    """Per class: the mean of the ``top`` largest deficits of leaf *groups* — within one tree,
    the leaves of the class that share one exact bound on one feature (of their ``box``),
    their training and clean shares pooled. ``records``: leaf records (``tree``, ``cls``,
    ``train``, ``clean``, ``box``), the caller's first trees.

    Why: a backdoor towards the majority class (credit data: class 0) is fitted late and
    deep, after the strong columns have split its poison rows apart, so each tree holds it in
    several small leaves (4-18 poison rows each in tab-fresh4's XGBoost target-0 backdoors;
    39-62 in one leaf with target 1) whose own deficits are no larger than natural small
    leaves'; the fragments share the trigger's bound, so pooled they stand out
    (docs/benchmarks.md, ``bench_tabular_xgb_poison.py``). Groups of the same leaves count
    once."""
    return grouped_masses(records, n_clean, num_classes, top)[0]


def grouped_mass_rel(records: list, n_clean: int, num_classes: int,
                     top: int = 3) -> np.ndarray:
    """Per class: :func:`grouped_mass` over the mean deficit of every group of the class (its
    natural scale). The majority class's groups are many and mostly full, so a few poison
    groups stand out against its own mean where the raw value sits under the minority
    class's natural deficits (issue 16 step 8, target-0 backdoors)."""
    return grouped_masses(records, n_clean, num_classes, top)[1]


def grouped_masses(records: list, n_clean: int, num_classes: int, top: int = 3,
                   groups: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`grouped_mass` and :func:`grouped_mass_rel` from one pass over the leaf groups
    (``groups``: :func:`pooled_groups`' triples when already read otherwise, e.g. by
    :func:`.tree_contrast.contrast_groups`)."""
    raw, rel = [], []
    for d in group_deficits(records, n_clean, num_classes, groups):
        value = float(np.mean(sorted(d, reverse=True)[:top])) if d else 0.0
        raw.append(value)
        rel.append(value / max(float(np.mean(d)) if d else 0.0, 1e-6))
    return np.asarray(raw), np.asarray(rel)


def group_deficits(records: list, n_clean: int, num_classes: int,
                   groups: list | None = None) -> list[list[float]]:
    """Per class, the deficit of each distinct leaf group of :func:`grouped_mass` (``groups``:
    as :func:`grouped_masses`)."""
    per_class: list[list[float]] = [[] for _ in range(num_classes)]
    for cls, value, _ in pooled_groups(records, n_clean) if groups is None else groups:
        per_class[cls].append(value)
    return per_class


def pooled_groups(records: list, n_clean: int) -> list[tuple[int, float, list[tuple]]]:
    """Every distinct leaf group of :func:`grouped_mass` (within one tree, the leaves of a
    class sharing one exact bound): its class, pooled deficit, and the bounds
    ``(feature, lo, hi)`` that define it (one group, however many bounds its leaves share)."""
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(records):
        for feature, (lo, hi) in r.box.items():
            groups.setdefault((r.tree, r.cls, feature, lo, hi), []).append(i)
    pooled: dict[tuple[int, frozenset[int]], tuple[int, float, list[tuple]]] = {}
    for (_, cls, *bound), members in groups.items():
        key = (cls, frozenset(members))
        if key not in pooled:
            pooled[key] = (cls, deficit(sum(records[i].train for i in members),
                                        sum(records[i].clean for i in members), n_clean), [])
        pooled[key][2].append(tuple(bound))
    return list(pooled.values())


def heat_left_out(records: list, n_clean: int, cls: int, leave_out: int = 5,
                  groups: list | None = None) -> float:
    """The file's group heat on the leaves a suspected trigger does not hold: the log of the
    mean deficit of class ``cls``'s leaf groups (:func:`pooled_groups`) that hold none of its
    ``leave_out`` bounds of largest deficit summed across trees (:func:`bound_sums`, the bounds
    a trigger recurs on); every group of the class where none is left. ``log(1e-9)`` floors a
    file that misses nothing.

    Why (issue 16 stop 82, h16): the majority class's mean group deficit (the group-heat term's
    ``h``) follows the file's effect on a clean tree, but a backdoor's poison groups raise it
    too (over 501 spent LightGBM 200-row readings its level separates backdoored from clean
    models at ROC-AUC 0.615); without the five most recurring bounds' groups, 0.518."""
    pooled = pooled_groups(records, n_clean) if groups is None else groups
    sums = bound_sums(records, n_clean, pooled).get(cls, {})
    top = set(sorted(sums, key=lambda b: -sums[b])[:leave_out])
    mine = [(value, bounds) for c, value, bounds in pooled if c == cls]
    kept = [value for value, bounds in mine if not top & set(bounds)] or [v for v, _ in mine]
    return float(np.log(max(float(np.mean(kept)) if kept else 0.0, 1e-9)))


def bound_recurrence(records: list, n_clean: int, num_classes: int,
                     groups: list | None = None) -> np.ndarray:
    """Per class: over the bounds ``(feature, lo, hi)``, the largest sum across trees of the
    deficits of the class's leaf groups that bound defines (:func:`pooled_groups`).

    Why (issue 16 stop 33): a clean deep tree's natural groups miss clean rows by chance, more
    the deeper the tree (its leaves are smaller), so the largest group deficit rises with depth
    and a clean depth-7 XGBoost's reaches a target-0 backdoor's. Chance picks a different bound
    in each tree; a trigger is the same bound in every tree that fits the poison, so its
    deficits add up across trees while chance ones stay scattered. ``groups``: as
    :func:`grouped_masses`."""
    sums = bound_sums(records, n_clean, groups)
    return np.asarray([max(sums[c].values()) if sums.get(c) else 0.0
                       for c in range(num_classes)])


def bound_sums(records: list, n_clean: int,
               groups: list | None = None) -> dict[int, dict[tuple, float]]:
    """Per class met: each bound ``(feature, lo, hi)``'s sum across trees of the deficits of the
    class's leaf groups it defines (:func:`pooled_groups`), in the order the bounds are first
    met — what :func:`bound_recurrence` takes the largest of and
    :func:`.tree_recur_boxes.top_bounds` ranks (``groups``: as :func:`grouped_masses`)."""
    sums: dict[int, dict[tuple, float]] = {}
    for cls, value, bounds in pooled_groups(records, n_clean) if groups is None else groups:
        per_bound = sums.setdefault(cls, {})
        for bound in bounds:
            per_bound[bound] = per_bound.get(bound, 0.0) + value
    return sums


def leaves_per_tree(records: list) -> float:
    """log2 of the mean number of leaves per tree among ``records`` (0 without any): the
    ensemble's depth as its leaves show it. Deeper trees have smaller leaves, and more of their
    natural leaf groups miss clean rows by chance, so a clean depth-7 XGBoost's
    ``tab_mass_group`` reaches a backdoor's (docs/benchmarks.md, issue 16 stop 32)."""
    trees = {r.tree for r in records}
    return float(np.log2(len(records) / len(trees))) if trees else 0.0
