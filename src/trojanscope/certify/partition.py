"""Deep Partition Aggregation (Levine & Feizi, ICLR 2021): stable partitions and certificates.

*Partitions.* Sample ``i`` goes to partition ``h(x_i) mod K`` where ``h`` is the first 8 bytes
(big-endian) of the SHA-256 of the sample's pixels as little-endian float32 in C order
(N x C x H x W layout, label not included). The partition of a sample depends on its content
only — not on its position in the file, the other samples, the seed or the platform — so
inserting, removing or changing one sample changes at most one partition (changing its label
too: the label is not hashed).

*Certificate.* With ``n_c`` votes for class ``c`` and prediction ``p`` (most votes, ties to the
smaller index), each poisoned sample can change at most one member's vote: it takes one vote
from ``p`` and gives one to another class. The prediction provably stays while the number of
poisoned samples is at most
``floor((n_p - max_{c != p} (n_c + [c < p])) / 2)``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from torch import Tensor


def partition_of(x: Tensor | np.ndarray, partitions: int) -> np.ndarray:
    """Partition index in ``[0, partitions)`` of every sample of ``x`` (see the module doc)."""
    if int(partitions) < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions}")
    arr = x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)
    arr = np.ascontiguousarray(arr, dtype="<f4")
    out = np.empty(len(arr), dtype=np.int64)
    for i, sample in enumerate(arr):
        digest = hashlib.sha256(sample.tobytes()).digest()
        out[i] = int.from_bytes(digest[:8], "big") % int(partitions)
    return out


def certified_radius(votes: Tensor) -> tuple[Tensor, Tensor]:
    """Prediction and tolerated number of poisoned training samples per row of ``votes`` (N, C)."""
    votes = votes.to(torch.long)
    pred = votes.argmax(1)
    n = votes.shape[1]
    top = votes.gather(1, pred[:, None]).squeeze(1)
    # a rival class c wins a tie when c < pred: it needs one vote fewer
    rivals = votes + (torch.arange(n)[None, :] < pred[:, None]).long()
    rivals = rivals.scatter(1, pred[:, None], torch.full_like(pred[:, None], -(10**9)))
    gap = top - rivals.max(1).values
    return pred, torch.clamp(gap, min=0) // 2


def certified_accuracy_curve(
    radius: Tensor, correct: Tensor, max_radius: int | None = None
) -> list[tuple[int, float]]:
    """``(r, share of test inputs correctly classified with radius >= r)`` for r = 0..max."""
    radius = radius.to(torch.long)
    top = int(radius.max()) if max_radius is None else int(max_radius)
    n = max(1, len(radius))
    return [
        (r, float(((radius >= r) & correct.bool()).sum()) / n) for r in range(0, top + 1)
    ]
