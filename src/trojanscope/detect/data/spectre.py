"""SPECTRE (Hayase et al., ICML 2021): robust whitening, then QUantum Entropy (QUE) scores.

Per class, the features are whitened with a *robust* estimate of the clean covariance (the
concentration steps of the minimum covariance determinant, started deterministically from the
half-sample nearest the coordinate-wise median, then reweighted), so poison along any
direction becomes large; QUE then scores each sample by its energy along the directions where
the whitened covariance still exceeds the identity, weighted by ``exp(alpha * excess)``
(``alpha`` = 0: plain Mahalanobis; large: the top direction only, like Spectral Signatures).
The shared robust outlier test flags the tail.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm
from scipy.stats import chi2

from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.stats import reduce
from trojanscope.registry import register


def robust_location_scatter(x: np.ndarray, steps: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the half-sample with the smallest Mahalanobis distances (found
    by concentration steps from the half nearest the median), reweighted at the 97.5% chi^2
    quantile: an outlying minority of up to half the samples does not move them."""
    n, d = x.shape
    h = (n + d + 1) // 2
    scale = np.median(np.abs(x - np.median(x, 0)), 0) + 1e-12
    dist = (((x - np.median(x, 0)) / scale) ** 2).sum(1)
    for _ in range(steps):
        keep = np.argsort(dist, kind="stable")[:h]
        loc, cov = x[keep].mean(0), np.cov(x[keep], rowvar=False)
        cov = cov + 1e-9 * np.trace(cov) / d * np.eye(d)
        diff = x - loc
        dist = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
    inliers = dist <= chi2.ppf(0.975, d) * np.median(dist) / chi2.ppf(0.5, d)
    loc, cov = x[inliers].mean(0), np.cov(x[inliers], rowvar=False)
    return loc, cov + 1e-9 * np.trace(cov) / d * np.eye(d)


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
    """

    name = "spectre"

    def __init__(self, dims: int = 16, alpha: float = 4.0) -> None:
        self.dims, self.alpha = int(dims), float(alpha)

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
            loc, cov = robust_location_scatter(xc)
            evals, evecs = np.linalg.eigh(cov)
            w = evecs / np.sqrt(np.maximum(evals, 1e-9 * evals.max()))
            z = (xc - loc) @ w
            s = que_scores(z, self.alpha)
            out[idx] = s / max(float(np.median(s)), 1e-12)
        return out
