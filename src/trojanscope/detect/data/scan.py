"""SCAn (Tang et al., USENIX Security 2021), simplified: a two-component test per class in
features whitened by the within-class covariance of the other classes (:mod:`.split`).

SCAn's model: a sample's representation is its class's identity plus variation shared by all
classes. A clean class is one component; a class holding poison is a mixture of two (its own
samples and the trigger carriers). Each class is split in two (:mod:`.split`) and its
log-likelihood ratio of two components against one is compared across classes with a robust
z-score; classes above ``threshold`` (SCAn's e^2) are infected, and their minority component
is flagged. Simplification: the paper's EM untangling of identity and variation is replaced by
median centring and that whitening.
"""

from __future__ import annotations

import math

import numpy as np

from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.flagging import robust_z
from trojanscope.detect.data.split import split_classes
from trojanscope.registry import register


@register("data-detector", "scan")
class SCAn(DataDetector):
    """SCAn (Tang et al., 2021): per-class two-component likelihood-ratio test in whitened
    features; the minority component of an infected class is flagged.

    Arguments:
        dims: principal directions of the features kept.
        threshold: robust z-score of a class's statistic above which it is infected.
        seed: seeds k-means.
    """

    name = "scan"

    def __init__(self, dims: int = 32, threshold: float = math.e**2, seed: int = 0) -> None:
        self.dims, self.threshold, self.seed = int(dims), float(threshold), int(seed)

    def score(self, feats: Features) -> np.ndarray:
        return self.run(feats)[0]

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        labels = feats.labels.numpy()
        splits = split_classes(feats.features.numpy(), labels, self.dims, self.seed)
        class_z = robust_z(np.array([s.scatter_drop for s in splits]))
        scores = np.zeros(len(labels))
        flagged = []
        for s, cz in zip(splits, class_z, strict=True):
            small = int(np.argmin(s.sizes()))
            gap = s.dist2[:, 1 - small] - s.dist2[:, small]
            scores[s.index] = cz + np.tanh(gap / (2 * self.dims))
            if cz > self.threshold:
                flagged.append(s.index[s.cluster == small])
        return scores, np.concatenate(flagged) if flagged else np.zeros(0, dtype=np.int64)
