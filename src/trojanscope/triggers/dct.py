"""The orthonormal DCT-II basis shared by frequency-domain triggers.

A coefficient bump ``m`` at frequency ``(u, v)`` of a ``b``×``b`` block is, in pixels, the
outer product ``m · d_u ⊗ d_v`` of two basis rows: the transform is linear, so such triggers are
fixed additive patterns and need no per-image transform.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def dct_matrix(n: int) -> Tensor:
    """The n×n orthonormal DCT-II matrix: row ``k`` is the ``k``-th cosine basis vector."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    basis = torch.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2.0 / n)
    basis[0] /= math.sqrt(2.0)
    return basis.float()


def from_coefficients(coefficients: Tensor) -> Tensor:
    """Pixels of a block from its ``…×b×b`` DCT coefficients (the inverse 2-D transform)."""
    rows = dct_matrix(coefficients.shape[-2])
    cols = dct_matrix(coefficients.shape[-1])
    return rows.T @ coefficients @ cols
