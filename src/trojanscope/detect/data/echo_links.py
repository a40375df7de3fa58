"""The echoes screen's links between shared columns (issue 16 stop 82): two columns that
carry the same information (a loan's interest rate and its sub-grade) counted once.

A pair of rows sharing a rare value in each of two columns is twice surprising only where
the columns are unrelated. Where one value mostly fixes the other on the rest of the table,
the second adds almost nothing. For a pair anchored on column ``a`` (an exact value at most
``ANCHOR_MAX`` rows hold), each shared column ``k`` is read given each more surprising
shared column ``j``: ``P(v_k | v_j)`` counted on the rows outside the anchor's bucket (the
pair's own rows, and those of a relabelled group sharing the trigger's exact number, left
out so that the group's own rows do not make its values look linked), smoothed with
``PRIOR`` pseudo-rows at ``v_k``'s share. Where that conditional is at least ``STRONG`` (a
link, not chance: a few rows sharing two values by chance leave it far below) the column's
surprise is the least of its own and ``-log P(v_k | v_j)``: a chain of conditionals read
pairwise. Column-permuted copies (the screen's null) have no links, so their bar stays
where it was; a table's own dependence stops counting twice.
"""

from __future__ import annotations

import numpy as np

PRIOR = 5.0  # pseudo-rows at the value's table share in each conditional
# a link counts where the conditional is at least this: one value mostly fixes the other
# (weaker conditionals are read as chance, so a few rows sharing two values by chance or
# by a trigger leave a column's surprise as it was)
STRONG = 0.5


class JointHolders:
    """Per row, how many rows hold its values in a set of columns (cached per column set)."""

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes
        self.cache: dict[tuple[int, ...], np.ndarray] = {}

    def of(self, *cols: int) -> np.ndarray:
        """Holders of each row's values in ``cols`` (all of them equal)."""
        key = tuple(sorted(cols))
        if key not in self.cache:
            combined = np.zeros(len(self.codes), np.int64)
            for c in key:  # value codes are below N: the key is exact while N^3 fits
                combined = combined * (int(self.codes[:, c].max()) + 1) + self.codes[:, c]
            _, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
            self.cache[key] = counts[inverse.ravel()]
        return self.cache[key]


def linked_surprise(rows: np.ndarray, anchor: int, shared: np.ndarray, surprise: np.ndarray,
                    held: np.ndarray, joint: JointHolders) -> np.ndarray:
    """``surprise`` (pairs x columns, the pairs anchored on ``anchor``, first rows ``rows``)
    with each shared column capped at its surprise given a more surprising shared column, the
    conditionals read outside the anchor's bucket."""
    n = len(joint.codes)
    out = surprise.copy()
    use = shared.copy()
    use[:, anchor] = False
    use &= surprise > 0
    if not use.any():
        return out
    rank = np.argsort(np.argsort(-surprise, axis=1, kind="stable"), axis=1)
    both = use.T.astype(np.int64) @ use.astype(np.int64)
    for j, k in zip(*np.nonzero(both), strict=True):
        if j == k:
            continue
        pairs = np.flatnonzero(use[:, j] & use[:, k] & (rank[:, j] < rank[:, k]))
        if not len(pairs):
            continue
        r = rows[pairs]
        given = joint.of(j)[r] - joint.of(anchor, j)[r]
        together = joint.of(j, k)[r] - joint.of(anchor, j, k)[r]
        share = held[r, k] / n
        cond = (together + PRIOR * share) / (given + PRIOR)
        cost = np.where(cond >= STRONG, -np.log(np.minimum(cond, 1.0)), np.inf)
        out[pairs, k] = np.minimum(out[pairs, k], cost)
    return out
