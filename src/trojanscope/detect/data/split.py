"""Two-way splits of every class in whitened features, shared by SCAn and ``auto``.

Features are reduced to their top principal directions, centred per class (median) and
whitened with the within-class covariance pooled over the other classes, so the variation all
classes share becomes the identity and a trigger's extra direction stands out (a class's own
poison does not enter its whitener). Each class is then split by 2-means.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sklearn.cluster import KMeans

from trojanscope.detect.data.stats import class_centred, pooled_whitener, reduce


@dataclass
class ClassSplit:
    """One class's split: its sample indices, the cluster of each, and separation figures."""

    cls: int
    index: np.ndarray
    cluster: np.ndarray  # 0/1 per sample of the class
    dist2: np.ndarray  # squared distance of each sample to the two centres, shape (n, 2)
    separation: float  # gap between the cluster means along their axis, in pooled std units
    scatter_drop: float  # log-likelihood ratio of two components against one (unit covariance)

    def sizes(self) -> np.ndarray:
        return np.bincount(self.cluster, minlength=2)


def _split(zc: np.ndarray, seed: int) -> tuple[KMeans, float]:
    """2-means of centred samples ``zc`` and the gap between the two cluster means along the
    axis joining them, in units of the clusters' pooled spread along that axis."""
    km = KMeans(2, n_init=5, random_state=seed).fit(zc)
    a = km.labels_ == 0
    axis = km.cluster_centers_[0] - km.cluster_centers_[1]
    proj = zc @ (axis / max(float(np.linalg.norm(axis)), 1e-12))
    spread = np.sqrt(0.5 * (proj[a].var() + proj[~a].var())) if a.any() and (~a).any() else 0
    sep = float((proj[a].mean() - proj[~a].mean()) / spread) if spread > 0 else 0.0
    return km, abs(sep)


@lru_cache(maxsize=256)
def null_separation(n: int, dims: int, draws: int = 6) -> float:
    """Mean separation 2-means finds in ``n`` samples of one ``dims``-dimensional Gaussian.

    A single blob has no gap, but 2-means always finds one, and the fewer the samples per
    dimension the wider it looks (about 4.0 at 50 samples in 32 dimensions, 3.15 at 400):
    thresholds tuned at one class size must move by this much at another."""
    rng = np.random.default_rng(12345 + n * 131 + dims)
    return float(np.mean([_split(rng.standard_normal((n, dims)), 0)[1] for _ in range(draws)]))


def others_whitened(features: np.ndarray, labels: np.ndarray, dims: int
                    ) -> dict[int, np.ndarray]:
    """Per class, its class-centred features in ``dims`` principal directions whitened with
    the within-class covariance pooled over the OTHER classes.

    A target class that is mostly poison (20% of the set) carries the poison/clean gap in its
    own scatter; pooled with everything else it inflates the covariance along exactly the
    trigger's direction, and whitening then shrinks the gap it should reveal (measured on the
    20% sets: the split margin stayed below the clean threshold). Leaving the class out of its
    own whitener keeps the gap."""
    centred = class_centred(reduce(features, dims), labels)
    classes = np.unique(labels)
    if len(classes) < 3:
        w = pooled_whitener(centred)
        return {int(c): centred[labels == c] @ w.T for c in classes}
    return {int(c): centred[labels == c] @ pooled_whitener(centred[labels != c]).T
            for c in classes}


def split_classes(features: np.ndarray, labels: np.ndarray, dims: int, seed: int
                  ) -> list[ClassSplit]:
    """Split every class in two (k-means, ``n_init`` 5, seeded) in features whitened without
    the class itself (:func:`others_whitened`)."""
    per_class = others_whitened(features, labels, dims)
    out = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        zc = per_class[int(c)] - per_class[int(c)].mean(0)
        km, sep = _split(zc, seed)
        drop = 0.5 * (float((zc**2).sum()) - float(km.inertia_))
        out.append(ClassSplit(int(c), idx, km.labels_.astype(np.int64), km.transform(zc) ** 2,
                              sep, drop))
    return out
