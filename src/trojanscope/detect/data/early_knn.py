"""Label consistency in an early representation: a dirty-label poison sample still looks like
its true class to a model that has not yet learnt the trigger.

After one epoch (:data:`~trojanscope.detect.data.features.EARLY_EPOCHS`) a model already
groups samples by what they depict, while a backdoor learnt from a small poison share (or a
subtle trigger such as WaNet's warp) is not yet in its convolutional features. A sample whose
label disagrees with the majority of its ``k`` nearest neighbours there is flagged (edited
nearest neighbours, as in the ``knn-filter`` defence, but in a learnt representation). The
flagging rule is the majority vote itself: no poison rate, no threshold to tune. It cannot see
clean-label poison (labels agree), and a dominant blended pattern makes the poisoned samples
each other's neighbours.
"""

from __future__ import annotations

import numpy as np

from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.neighbours import label_agreement
from trojanscope.registry import register


@register("data-detector", "early-knn")
class EarlyKnn(DataDetector):
    """Label consistency: flags samples whose label disagrees with most of their nearest
    neighbours in the feature model's early convolutional features.

    Arguments:
        k: neighbours consulted.
        min_agreement: samples with a smaller share of agreeing neighbours are flagged.
    """

    name = "early-knn"

    def __init__(self, k: int = 20, min_agreement: float = 0.5) -> None:
        self.k, self.min_agreement = int(k), float(min_agreement)

    @property
    def min_per_class(self) -> int:  # type: ignore[override]
        return self.k // 2 + 1

    def score(self, feats: Features) -> np.ndarray:
        emb = feats.early if feats.early is not None else feats.features
        emb = emb - emb.mean(0)
        return 1.0 - label_agreement(emb, feats.labels, self.k).numpy().astype(np.float64)

    def flag(self, scores: np.ndarray, feats: Features) -> np.ndarray:
        return np.flatnonzero(scores > 1.0 - self.min_agreement)
