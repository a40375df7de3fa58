"""Small statistics shared by the detectors: class-centred PCA and pooled within-class
whitening (numpy, float64), and a seeded randomized PCA for wide features (torch)."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def class_centred(feats: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each sample minus its class's coordinate-wise median (robust to a poison minority)."""
    out = np.empty_like(feats, dtype=np.float64)
    for c in np.unique(labels):
        idx = labels == c
        out[idx] = feats[idx] - np.median(feats[idx], axis=0)
    return out


def reduce(feats: np.ndarray, dims: int) -> np.ndarray:
    """Project centred ``feats`` on their top ``dims`` principal directions."""
    x = np.asarray(feats, dtype=np.float64)
    x = x - x.mean(0)
    dims = min(dims, x.shape[1], x.shape[0])
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return x @ vt[:dims].T


def pooled_whitener(centred: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """A matrix ``W`` with ``W Σ Wᵀ = I`` for the pooled within-class covariance ``Σ`` of
    class-centred features (a small ridge keeps dead units harmless)."""
    cov = np.cov(centred, rowvar=False)
    cov = np.atleast_2d(cov)
    cov += ridge * np.eye(len(cov)) * max(np.trace(cov) / len(cov), 1e-12)
    return np.linalg.inv(np.linalg.cholesky(cov))


def top_components(x: Tensor, dims: int, seed: int = 0, power: int = 2) -> Tensor:
    """Centred ``x`` projected on (approximately) its top ``dims`` principal directions by a
    seeded randomized SVD (Halko et al., 2011): a few thin products instead of a full SVD, so
    nearest neighbours in thousands of convolutional features cost a fraction as much."""
    x = x.float() - x.float().mean(0)
    if x.shape[1] <= dims or x.shape[0] <= dims:
        return x
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(x.shape[1], dims + 8, generator=gen)
    basis = torch.linalg.qr(x @ q).Q
    for _ in range(power):
        basis = torch.linalg.qr(x @ torch.linalg.qr(x.T @ basis).Q).Q
    _, _, vh = torch.linalg.svd(basis.T @ x, full_matrices=False)
    return x @ vh[:dims].T
