"""``label-groups``' ``covers=3`` reading (issue 16 stop 75): a two-value conjunction towards
the majority label read through its covers, value by value.

A ``tabular-conjunction`` trigger towards a table's majority label (``lending-club``'s 95%
class) is a few rows of the other label written two values and relabelled; its covers, rows of
the other label too, are written one value alone and keep their label. Each value's rows
without the other value (its *near cell*) then hold the other label more often than they
would, while the condition's own rows hold it less often. ``covers`` and ``cells`` read the
condition's purity against its near cells, which on 4-22 relabelled rows of a 95% label is
no evidence at all (a handful of pure rows is what the base rate predicts). Here each near
cell is read on its own: its count of the other label against each row's chance of it by
``label_groups``' out-of-fold naive Bayes *without the condition's two columns*
(Platt-scaled, as ``label_deficit`` reads it), a binomial ``z``. A value that is a natural
risk factor through the table's other columns (``lending-club``'s risky ``sub_grade``, whose
``int_rate`` says the same) is predicted and reads about 0; a cover row, a row of the other
label like any other, adds one row of the other label more than its cell predicts. ``lean``,
the smaller of the two cells' ``z``, counts only where the condition's own rows hold the other
label less often than their chances predict (``z_c`` > 0: the relabelled rows were drawn from
the other label).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np

from trojanscope.detect.data.label_covers import COVER_SHARE
from trojanscope.detect.data.label_deficit import log_odds, platt, sigmoid

# both near cells' z over this: over the other conditions of the development misses' tables
# (at most 2.44 on issue 16's nine spent ``lending-club`` conjunctions towards class 0)
LEAN_BAR = 2.75
# tables whose majority label holds at least this share: towards ``credit-default``'s 73% class
# the near cells of a class-0 condition lean through a conjunction towards class 1 that shares
# a value (spent set 16252: a 24-row natural condition outscored it and it was lost), while
# there a few pure rows are evidence that ``cells`` and ``deficit`` read already
LEAN_SHARE = 0.9
LEAN_WEIGHT = 2.0  # a condition over the bar adds this times its excess (``STRAY_WEIGHT``'s 2)


def _z(observed: np.ndarray, expected: np.ndarray, var: np.ndarray) -> np.ndarray:
    """``(observed - expected) / sqrt(var)``, 0 where ``var`` is 0."""
    return np.where(var > 0, (observed - expected) / np.sqrt(np.maximum(var, 1e-12)), 0.0)


def chances(full: np.ndarray, terms: np.ndarray, labels: np.ndarray, c: int,
            leave: list[int]) -> np.ndarray:
    """Per row its chance of another label than ``c`` by the naive Bayes log-scores ``full``
    without the columns ``leave`` (their ``terms``), Platt-scaled on the table's rows
    (``label_deficit.platt``'s damped steps)."""
    rest = log_odds(full - terms[:, leave].sum(1), c)
    a, b = platt(rest, labels != c, damped=True)
    return sigmoid(a * rest + b)


def lean_table(codes: np.ndarray, other: np.ndarray, p: np.ndarray, j: int, m: int
               ) -> dict[str, np.ndarray]:
    """Per pair of values of columns ``j`` × ``m`` (a ``width_j`` × ``width_m`` table): the
    condition's rows (``rows``) and rows of the other labels (``others``), and the ``z`` of
    the other labels' count in the near cell of ``j``'s value (``z_a``: its rows without
    ``m``'s value), in ``m``'s (``z_b``) and, reversed, in the condition (``z_c``), each
    against the chances ``p``."""
    wj, wm = int(codes[:, j].max()) + 1, int(codes[:, m].max()) + 1
    joint = codes[:, j] * wm + codes[:, m]

    def table(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(joint, weights, minlength=wj * wm).reshape(wj, wm)

    n, k = table(None), table(other.astype(float))
    e, v = table(p), table(p * (1 - p))

    def near(t: np.ndarray, axis: int) -> np.ndarray:
        return t.sum(axis, keepdims=True) - t

    return {"rows": n, "others": k,
            "z_a": _z(near(k, 1), near(e, 1), near(v, 1)),
            "z_b": _z(near(k, 0), near(e, 0), near(v, 0)),
            "z_c": -_z(k, e, v)}


def cover_leans(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
                columns: list[int], min_rows: int, bar: float = LEAN_BAR
                ) -> Iterator[tuple[int, tuple[int, int], np.ndarray, float]]:
    """``(majority label, columns, rows holding the values, lean)`` per two-value condition on
    two of ``columns`` that ``min_rows`` to ``COVER_SHARE`` of the other labels' count of the
    majority label's rows hold, whose rows hold the other labels less often than their chances
    predict and whose ``lean`` (both near cells' ``z``, the smaller) exceeds ``bar``; only on
    a table whose majority label holds at least ``LEAN_SHARE`` of the rows."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    if counts[c] < LEAN_SHARE * len(labels):
        return  # not a 90% label: a few pure rows are evidence there, and other screens read it
    other = labels != c
    cap = int(COVER_SHARE * other.sum())
    if cap < min_rows:
        return
    for j, m in combinations(columns, 2):
        t = lean_table(codes, other, chances(full, terms, labels, c, [j, m]), j, m)
        n_own = t["rows"] - t["others"]
        lean = np.minimum(t["z_a"], t["z_b"])
        keep = (n_own >= min_rows) & (n_own <= cap) & (t["z_c"] > 0) & (lean > bar)
        for u, v in zip(*np.nonzero(keep), strict=True):
            yield c, (j, m), (codes[:, j] == u) & (codes[:, m] == v), float(lean[u, v])
