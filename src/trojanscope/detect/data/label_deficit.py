"""``label-groups``' ``deficit`` screen (issue 16 stop 55): small groups towards a table's
majority label whose rows carry the other labels less often than their other columns predict.

Towards a label 90-95% of rows hold, a group's label share is no evidence: a handful of
relabelled rows is as pure as any handful of rows. What is left is the rows themselves: they
were drawn from the other labels, so a model of their *other* columns still expects some of
them to hold another label, and none does. Per condition (one, two or three categorical
columns' values held together, three being a conjunction trigger's full set of values) the
screen reads every row holding it, whatever its label:

    z = (E - O) / sqrt(sum p (1 - p)),  E = sum p,  O = rows of another label than c

with ``p`` each row's chance of another label than the majority label ``c`` by ``label_groups``'
out-of-fold naive Bayes without every column the screen reads (one model for all conditions:
a trigger's value, or a part of a trigger towards another label, never enters it), put on the
probability scale by one logistic fit (Platt) of the table's own rows (naive Bayes is
overconfident). The group's own rows must also look likelier another label than the label's
other rows (``look_z``; the smaller of the two z counts): a conjunction's cover rows, drawn from
one label and written a part, hold the other label less often than predicted but look like
their label's rows. A natural factor that protects the label also reads above 0 (its column is
left out, so its rows look riskier than they are), which is why only groups of at most
``DEFICIT_SHARE`` of the other labels' rows are read (dirty-label poison towards ``c`` is drawn
from those rows; a larger group would shift the share) and the screen's score ``z - deficit``
has to clear the table's cut.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np

DEFICIT_SHARE = 0.1  # groups of at most this share of the other labels' rows are read
MAX_TERMS = 3  # conditions of one, two or three columns (a conjunction trigger has 2-3)
PLATT_STEPS = 25


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))


def log_odds(post: np.ndarray, c: int) -> np.ndarray:
    """Per row the log-odds of another label than ``c`` from per-label log-scores."""
    return np.logaddexp.reduce(np.delete(post, c, axis=1), axis=1) - post[:, c]


def newton_step(x: np.ndarray, y: np.ndarray, a: float, b: float) -> np.ndarray:
    """The Newton step ``(da, db)`` of the log-loss of ``P(y) = sigmoid(a * x + b)`` at
    ``(a, b)`` (subtracted from them)."""
    p = sigmoid(a * x + b)
    w = np.maximum(p * (1 - p), 1e-9)
    grad = np.array([((p - y) * x).sum(), (p - y).sum()])
    hess = np.array([[(w * x * x).sum(), (w * x).sum()], [(w * x).sum(), w.sum()]])
    return np.linalg.solve(hess + 1e-6 * np.eye(2), grad)


def log_loss(x: np.ndarray, y: np.ndarray, a: float, b: float) -> float:
    """The mean log-loss of ``P(y) = sigmoid(a * x + b)``."""
    z = a * x + b
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def platt(log_odds: np.ndarray, other: np.ndarray, damped: bool = False) -> tuple[float, float]:
    """``(a, b)`` of ``P(other) = sigmoid(a * log_odds + b)`` fitted by Newton steps on the
    table's rows (``other``: the row holds another label than the majority's). ``damped``
    (``label_leans``' reading, stop 75): each step halved until the log-loss falls, the fit
    ended where a step of 1e-4 does not; full steps run away on some tables (``lending-club``
    set 15110 of issue 16's spent bases: ``a`` about 1e7, every chance 0 or 1). Undamped, a
    step is taken whole (``t`` stays 1.0, and 1.0 times a float is that float)."""
    a, b = 1.0, 0.0
    x, y = log_odds, other.astype(float)
    loss = log_loss(x, y, a, b) if damped else 0.0
    for _ in range(PLATT_STEPS):
        step = newton_step(x, y, a, b)
        t = 1.0
        if damped:
            while t > 1e-4 and log_loss(x, y, a - t * step[0], b - t * step[1]) > loss:
                t /= 2
            if t <= 1e-4:
                break
        a, b = a - t * step[0], b - t * step[1]
        if damped:
            loss = log_loss(x, y, a, b)
        if np.abs(t * step).max() < 1e-6:
            break
    return float(a), float(b)


def deficit_conditions(codes: np.ndarray, own: np.ndarray, columns: list[int],
                       min_rows: int, cap: int
                       ) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """``(columns, rows holding the values)`` per condition on one to ``MAX_TERMS`` of
    ``columns`` that ``min_rows`` to ``cap`` rows of the label (``own``) hold."""
    n_rows = len(codes)
    for r in range(1, MAX_TERMS + 1):
        for cols in combinations(columns, r):
            key = np.zeros(n_rows, np.int64)
            for j in cols:
                key = key * (int(codes[:, j].max()) + 1) + codes[:, j]
            values, counts = np.unique(key[own], return_counts=True)
            for v in values[(counts >= min_rows) & (counts <= cap)]:
                yield cols, key == v


def deficit_z(p: np.ndarray, other: np.ndarray) -> float:
    """How many fewer rows hold another label (``other``) than their chances ``p`` of it
    predict, in standard deviations; 0 where they predict nothing."""
    var = float((p * (1 - p)).sum())
    if var <= 0:
        return 0.0
    return float((p.sum() - other.sum()) / np.sqrt(var))


def look_z(p: np.ndarray, group: np.ndarray, ref: np.ndarray) -> float:
    """How much likelier another label the ``group``'s rows look than the label's other rows
    (``ref``), a z statistic on the mean of ``p``: relabelled rows were drawn from the other
    labels, a conjunction's cover rows (their label kept) and a protective factor's rows were
    not."""
    k, sd = int(group.sum()), float(p[ref].std())
    if k == 0 or sd <= 0:
        return 0.0
    return float((p[group].mean() - p[ref].mean()) / (sd / np.sqrt(k)))


def deficit_groups(codes: np.ndarray, labels: np.ndarray, full: np.ndarray,
                   terms: np.ndarray, columns: list[int], min_rows: int, deficit: float
                   ) -> Iterator[tuple[int, tuple[int, ...], np.ndarray, float]]:
    """``(label, columns, rows holding the condition, z - deficit)`` for the majority label's
    conditions (on ``columns``, the categorical ones pairs read) whose ``z``, the smaller of
    ``deficit_z`` and ``look_z``, exceeds ``deficit``. ``full``/``terms``:
    ``label_groups.naive_bayes_terms``' per-row log-scores and per-column terms; the chances
    ``p`` leave out every one of ``columns``."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    if counts[c] * 2 <= len(labels):
        return  # no majority label
    own, other = labels == c, labels != c
    cap = int(DEFICIT_SHARE * other.sum())
    if cap < min_rows:
        return

    rest = log_odds(full - terms[:, columns].sum(1), c)
    a, b = platt(rest, other)
    p = sigmoid(a * rest + b)
    for cols, holds in deficit_conditions(codes, own, columns, min_rows, cap):
        z = min(deficit_z(p[holds], other[holds]), look_z(p, own & holds, own & ~holds))
        if z > deficit:
            yield c, cols, holds, z - deficit
