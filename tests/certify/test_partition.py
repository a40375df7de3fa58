"""DPA partitions are stable content hashes; the certificate is exact (checked by brute force)."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest
import torch

from trojanscope.certify.partition import (
    certified_accuracy_curve,
    certified_radius,
    partition_of,
)


def test_partition_is_the_documented_hash() -> None:
    x = np.random.default_rng(0).random((6, 1, 3, 3)).astype(np.float32)
    expected = [int.from_bytes(hashlib.sha256(s.astype("<f4").tobytes()).digest()[:8], "big") % 7
                for s in x]
    assert partition_of(x, 7).tolist() == expected
    assert partition_of(np.zeros((1, 1, 2, 2), np.float32), 1000).tolist() == [
        int.from_bytes(hashlib.sha256(bytes(16)).digest()[:8], "big") % 1000
    ]


def test_partition_depends_on_content_only() -> None:
    x = torch.rand(50, 1, 4, 4, generator=torch.Generator().manual_seed(1))
    base = partition_of(x, 5)
    perm = torch.randperm(50, generator=torch.Generator().manual_seed(2))
    assert partition_of(x[perm], 5).tolist() == base[perm.numpy()].tolist()
    changed = x.clone()
    changed[7, 0, 0, 0] = 0.123
    moved = partition_of(changed, 5) != base
    assert moved.sum() <= 1 and not moved[np.arange(50) != 7].any()
    assert len(set(base.tolist())) == 5  # all partitions in use


def _winner(votes: list[int]) -> int:
    return int(np.argmax(votes))  # first maximum: ties to the smaller class


def _flippable(votes: list[int], moves: int) -> bool:
    """Can ``moves`` single-vote changes (one vote from any class to any other) flip it?"""
    pred = _winner(votes)
    frontier = {tuple(votes)}
    for _ in range(moves):
        nxt = set()
        for v in frontier:
            for a, b in itertools.permutations(range(len(v)), 2):
                if v[a] > 0:
                    w = list(v)
                    w[a] -= 1
                    w[b] += 1
                    if _winner(w) != pred:
                        return True
                    nxt.add(tuple(w))
        frontier = nxt
    return False


@pytest.mark.parametrize("seed", range(12))
def test_radius_is_tight_by_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    votes = rng.multinomial(7, rng.dirichlet(np.ones(3))).tolist()
    pred, radius = certified_radius(torch.tensor([votes]))
    r = int(radius[0])
    assert int(pred[0]) == _winner(votes)
    assert not _flippable(votes, r)  # sound: r changes never flip
    assert _flippable(votes, r + 1)  # tight: one more can


def test_curve_counts_correct_and_robust() -> None:
    curve = certified_accuracy_curve(torch.tensor([0, 2, 5, 3]),
                                     torch.tensor([True, True, False, True]))
    assert curve[0] == (0, 0.75) and dict(curve)[3] == 0.25 and curve[-1] == (5, 0.0)
    assert all(a >= b for (_, a), (_, b) in itertools.pairwise(curve))
