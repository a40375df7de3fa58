"""SPECTRE (Hayase et al., ICML 2021): robust whitening, then QUantum Entropy (QUE) scores.

Per class, the features are whitened with a *robust* estimate of the clean covariance (the
minimum covariance determinant, which ignores an outlying minority), so poison along any
direction becomes large; QUE then scores each sample by its energy along the directions where
the whitened covariance still exceeds the identity, weighted by ``exp(alpha * excess)``
(``alpha`` = 0: plain Mahalanobis; large: the top direction only, like Spectral Signatures).
The shared robust outlier test flags the tail.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm
from sklearn.covariance import MinCovDet

from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.stats import reduce
from trojanscope.registry import register


def que_scores(z: np.ndarray, alpha: float) -> np.ndarray:
    """QUE scores of whitened samples ``z`` (rows)."""
    zc = z - z.mean(0)
    cov = zc.T @ zc / len(zc)
    top = float(np.linalg.eigvalsh(cov)[-1])
    q = expm(alpha * (cov - np.eye(len(cov))) / max(top - 1.0, 1e-6))
    return np.einsum("ij,jk,ik->i", zc, q, zc) / float(np.trace(q))


@register("data-detector", "spectre")
class Spectre(DataDetector):
    """SPECTRE (Hayase et al., 2021): per-class robust whitening and QUE scores.

    Arguments:
        dims: principal directions of the features kept (per class).
        alpha: QUE's exponent (0: Mahalanobis distance; large: the top direction only).
        seed: seeds the robust covariance estimate.
    """

    name = "spectre"

    def __init__(self, dims: int = 16, alpha: float = 4.0, seed: int = 0) -> None:
        self.dims, self.alpha, self.seed = int(dims), float(alpha), int(seed)

    @property
    def min_per_class(self) -> int:  # type: ignore[override]
        return 2 * self.dims + 2

    def score(self, feats: Features) -> np.ndarray:
        labels = feats.labels.numpy()
        x = reduce(feats.features.numpy(), 4 * self.dims)
        out = np.zeros(len(labels))
        for c in np.unique(labels):
            idx = np.flatnonzero(labels == c)
            xc = reduce(x[idx], self.dims)
            mcd = MinCovDet(random_state=self.seed).fit(xc)
            evals, evecs = np.linalg.eigh(mcd.covariance_)
            w = evecs / np.sqrt(np.maximum(evals, 1e-9 * evals.max()))
            z = (xc - mcd.location_) @ w
            s = que_scores(z, self.alpha)
            out[idx] = s / max(float(np.median(s)), 1e-12)
        return out
