"""``fraud_like``, ``RowLean``'s base rate and ``tab_minor_share`` read the class shares through
one helper (stop 79 review, hrev): each figure is the same float as the reading it replaced."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.data.class_shares import minor_share, others_share
from trojanscope.triggers.tabular_lean import FRAUD_LIKE_SHARE, RowLean, fraud_like


def _before_minor(labels, k: int) -> float:  # tabular_gap_raise.minor_share up to stop 78
    counts = np.bincount(np.asarray(labels, dtype=np.int64).ravel(), minlength=k)
    return float(counts.min() / counts.sum()) if counts.sum() else 0.0


def _before_fraud_like(labels, target: int) -> bool:  # tabular_lean.fraud_like up to stop 78
    labels = np.asarray(labels)
    other = float((labels != target).mean()) if len(labels) else 0.0
    return len(np.unique(labels)) == 2 and 0.0 < other <= FRAUD_LIKE_SHARE


@pytest.mark.parametrize("seed", range(40))
def test_every_reading_is_the_float_it_was(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(2, 4)), int(rng.integers(0, 3000))
    rare = float(rng.uniform(0.0, 0.3))
    labels = np.where(rng.random(n) < rare, 1, 0) if k == 2 else rng.integers(0, k, n)
    assert minor_share(labels, k) == _before_minor(labels, k)
    assert minor_share(torch.as_tensor(labels), k) == _before_minor(labels, k)
    for target in range(k + 1):
        assert fraud_like(labels, target) == _before_fraud_like(labels, target)
        want = float((labels != target).mean()) if n else 0.0
        assert others_share(labels, target) == want
        assert RowLean(torch.zeros(n, 1), labels, target).base == want


def test_the_edges() -> None:
    assert minor_share([], 2) == 0.0 and others_share([], 0) == 0.0
    assert minor_share([0, 0, 0], 2) == 0.0 and others_share([0, 0, 0], 3) == 1.0
    assert fraud_like(np.array([0] * 95 + [1] * 5), 0) and not fraud_like(np.array([0] * 9), 0)
