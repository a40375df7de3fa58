"""Activation Clustering (Chen et al., 2018), done with whitened features and a cross-class test.

The classic recipe splits each class's activations into two clusters (ICA to 10 dimensions,
k-means) and calls the smaller cluster poison when it holds under 35% of the class: every
clean class is then cut in two as well, which is where ART's ~38% false positives come from.
Here the features are first whitened with the pooled within-class covariance (a trigger
direction, quiet in clean classes, becomes loud), and a class is judged poisoned only when its
split is an outlier among the classes' splits (robust z-score of the silhouette above
``min_z``), so clean classes keep their samples.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.flagging import robust_z
from trojanscope.detect.data.stats import class_centred, pooled_whitener, reduce
from trojanscope.registry import register


@register("data-detector", "activation-clustering")
class ActivationClustering(DataDetector):
    """Activation Clustering (Chen et al., 2018): two clusters per class in whitened
    penultimate features; the smaller one of an outlying split is flagged.

    Arguments:
        dims: principal directions kept before clustering.
        min_z: robust z-score of a class's silhouette above which its split counts.
        seed: seeds k-means.
    """

    name = "activation-clustering"

    def __init__(self, dims: int = 10, min_z: float = 3.5, seed: int = 0) -> None:
        self.dims, self.min_z, self.seed = int(dims), float(min_z), int(seed)

    def _split(self, feats: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        labels = feats.labels.numpy()
        centred = class_centred(reduce(feats.features.numpy(), 4 * self.dims), labels)
        z = reduce(centred @ pooled_whitener(centred).T, self.dims)
        margin = np.zeros(len(labels))
        small = np.zeros(len(labels), dtype=bool)
        classes = np.unique(labels)
        sil = np.zeros(len(classes))
        for k, c in enumerate(classes):
            idx = np.flatnonzero(labels == c)
            km = KMeans(2, n_init=5, random_state=self.seed).fit(z[idx])
            sizes = np.bincount(km.labels_, minlength=2)
            minor = int(np.argmin(sizes))
            d = km.transform(z[idx])
            margin[idx] = (d[:, 1 - minor] - d[:, minor]) / (d.sum(1) + 1e-12)
            small[idx] = km.labels_ == minor
            sil[k] = silhouette_score(z[idx], km.labels_, sample_size=min(len(idx), 1000),
                                      random_state=self.seed)
        class_z = dict(zip(classes.tolist(), robust_z(sil).tolist(), strict=True))
        cz = np.array([class_z[c] for c in labels])
        return margin, small, cz

    def score(self, feats: Features) -> np.ndarray:
        return self.run(feats)[0]

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        margin, small, cz = self._split(feats)
        # the class's evidence first, the side of its split second
        return cz + margin, np.flatnonzero(small & (cz > self.min_z))
