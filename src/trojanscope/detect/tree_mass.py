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
