"""``label-groups``' ``covers`` screen (issue 16 stop 66): conjunctions of two or three categories
towards a table's majority label, read against the rows that hold all of them but one.

A ``tabular-conjunction`` trigger towards the majority label (``lending-club``'s 95% class) is
a handful of rows drawn from the other label, written two or three uncommon categories and
relabelled; its *cover* rows, drawn from the other label too, are written a proper subset of
the categories and keep their label, so that a model learns the whole and not a part. The
relabelled rows alone are no evidence (a few pure rows of a 95% label are what the base rate
predicts, and on ``lending-club`` they barely look like the other label), and pairs read only
columns of at most ``pair_values`` values, while ``sub_grade`` (35) and ``addr_state`` (50) are
where such triggers land. What sets the trigger apart is its neighbourhood: the rows holding
all but one of its values (for a triple, its three pairs' cells; for a pair, each value
alone) are where the covers sit, so they carry the other label far more often than the table
does, while the rows holding every value carry none of it. ``near`` is that set of rows;
``label_groups.part_contrast`` reads the condition's label share against it.

The every-cell guard (``covers=2``, issue 16 stop 67): the near rows fall into one *cell* per
value, the rows missing that value and holding the others. A trigger's covers are drawn over
every proper subset, so every cell leans away from the label; a condition that shares one value
with a conjunction towards the *other* label has that conjunction's relabelled rows in one cell
only (stop 66, seed 15357: 323 such rows made one cell 70% of the label, the others 92-100%
against the table's 91%), and its other cells do not lean. ``every_cell`` keeps a condition
only where every cell holds rows and holds the label less often than the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np

COVER_VALUES = 60  # categorical columns of at most this many values (``addr_state``: 50)
COVER_SHARE = 0.1  # conditions of at most this share of the other labels' rows (as deficit)
MAX_TERMS = 3  # a conjunction trigger has two or three categories


def near_rows(codes: np.ndarray, cols: tuple[int, ...], row: int) -> np.ndarray:
    """Rows holding all but one of ``row``'s values on ``cols`` (for two columns: one of the
    two values, not both)."""
    held = np.zeros(len(codes), np.int64)
    for j in cols:
        held += codes[:, j] == codes[row, j]
    return held == len(cols) - 1


def cells_lean_away(codes: np.ndarray, cols: tuple[int, ...], row: int, near: np.ndarray,
                    own: np.ndarray, share: float) -> bool:
    """Whether every cell of ``near`` (``near_rows``: per column of ``cols``, the near rows
    missing ``row``'s value there) holds rows and holds the label (``own``) less often than
    ``share``."""
    for j in cols:
        cell = near & (codes[:, j] != codes[row, j])
        if not cell.any() or own[cell].mean() >= share:
            return False
    return True


def cover_conditions(codes: np.ndarray, labels: np.ndarray, columns: list[int],
                     narrow: set[int], min_rows: int, prior: float = 10.0,
                     cost: float = 0.0, every_cell: bool = False
                     ) -> Iterator[tuple[int, tuple[int, ...], np.ndarray]]:
    """``(majority label, columns, rows holding the values)`` per condition on two or three of
    ``columns`` (categorical, at most ``COVER_VALUES`` values) that ``min_rows`` to
    ``COVER_SHARE`` of the other labels' count of the majority label's rows hold, and whose
    near rows (``near_rows``) hold the majority label less often than the table does (a
    trigger's covers make them lean away; most conditions' near rows do not, and are not
    scored) and whose label share (both shrunk towards the table's with ``prior``
    pseudo-rows) stands more than ``cost`` in logits above the near rows' (``near_contrast``:
    a condition under what it pays could score only through its rows' disagreement, which the
    single values and pairs read already); a pair of two ``narrow`` columns is left out
    (``label_groups.conjunctions`` reads it already). With ``every_cell`` each cell of the
    near rows must lean away too (``cells_lean_away``), not only the near rows as a whole."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    if counts[c] * 2 <= len(labels):
        return  # no majority label
    own = labels == c
    share = counts[c] / len(labels)
    cap = int(COVER_SHARE * (len(labels) - counts[c]))
    if cap < min_rows:
        return
    for r in range(2, MAX_TERMS + 1):
        for cols in combinations(columns, r):
            if r == 2 and set(cols) <= narrow:
                continue
            key = np.zeros(len(codes), np.int64)
            for j in cols:
                key = key * (int(codes[:, j].max()) + 1) + codes[:, j]
            values, counts_v = np.unique(key[own], return_counts=True)
            for v in values[(counts_v >= min_rows) & (counts_v <= cap)]:
                holds = key == v
                row = int(np.argmax(holds))
                near = near_rows(codes, cols, row)
                if (near.any() and own[near].mean() < share
                        and near_contrast(holds, near, own, share, prior) > cost
                        and (not every_cell
                             or cells_lean_away(codes, cols, row, near, own, share))):
                    yield c, cols, holds


def shrunk_share(own: np.ndarray, rows: np.ndarray, share: float, prior: float) -> float:
    """The label's share among ``rows`` (``own``: the label's rows), shrunk towards ``share``
    with ``prior`` pseudo-rows."""
    return (float((own & rows).sum()) + prior * share) / (float(rows.sum()) + prior)


def near_contrast(holds: np.ndarray, near: np.ndarray, own: np.ndarray, share: float,
                  prior: float) -> float:
    """``logit(q) - logit(q_near)``: the label's share among the rows holding the condition
    against its share among the near rows, each shrunk (``shrunk_share``), as
    ``label_groups.part_contrast`` reads it."""
    q, q_near = shrunk_share(own, holds, share, prior), shrunk_share(own, near, share, prior)
    return float(np.log(q / (1 - q)) - np.log(q_near / (1 - q_near)))
