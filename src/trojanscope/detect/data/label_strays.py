"""``label-groups``' ``strays`` screen (issue 16 stop 68): a rare value written on rows that do
not fit it, relabelled towards a table's majority label.

``tabular-rare`` towards ``lending-club``'s 95% class writes the table's rarest category (a
``sub_grade`` six rows hold) on 9-25 rows of the other label and relabels them. Their label is
no evidence (30 of 31 holders of the majority label is what the base rate predicts), and they
barely look like the other label (``d`` 0.4-1.0). What gives them away is the column they
were written in: ``sub_grade`` follows ``int_rate`` closely (each value's rows sit in one or two
of its bins), but the written rows keep their own ``int_rate``, so the value's holders now
spread over the bins as the whole table does. A value whose holders fit their *partner*
column (the column the value's column says most about) far worse than the column's rows do is
a value written from outside; a natural rare value's few holders fit it as closely as any.

Per row the fit is the pointwise mutual information ``log P(partner bin | value) - log
P(partner bin)``, with the row itself left out of ``P(bin | value)`` (a value's lone row in a
bin then scores low, as it should; a natural value's rows share bins and barely move). A
column is read only where its partner's mean fit over the rows, the mutual information, is at
least ``STRAY_MI`` nats: columns that say little about any other (``addr_state``) have no
fit to break. A value's group is the majority label's rows holding it; its ``z`` is how far
below the column's mean fit its rows' mean fit lies, in the column's per-row standard
deviations (an effect size, not a test: a large natural value's mean sits near the column's
whatever its rows).

With ``exact`` (``strays=2``, the default since issue 16 stop 74) the same partner is also read
on its exact values (``exact_ranks``) where the value fixes them closely enough (their mean
fit at least ``STRAY_MI`` too), and the larger ``z`` counts. ``lending-club``'s ``int_rate``
follows ``sub_grade`` to the value, while ten bins of its ranks span several grades: its
rarest grade is a risky one, so rows of the other (risky) label written with it fall in its
bins often enough that 9-12 written rows read ``z`` 0.78-1.56 on the bins and 2.45-2.88 on the
exact rates (the spent sets 15410, 16010, 16310, 16810), where the natural grades' groups read
under -0.8 either way.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from trojanscope.detect.data.label_covers import COVER_SHARE

STRAY_MI = 0.5  # a column is read only where it says this much (nats) about its partner
STRAY_ALPHA = 0.5  # pseudo-count per bin in ``P(bin | value)``


def binned(codes: np.ndarray, many: int, bins: int) -> np.ndarray:
    """Each column's codes as ranks, a column of more than ``many`` values cut into ``bins``
    bins of its ranks (as the naive Bayes model reads the columns)."""
    out = np.empty_like(codes)
    for m in range(codes.shape[1]):
        uniq = np.unique(codes[:, m])
        rank = np.searchsorted(uniq, codes[:, m])
        out[:, m] = np.minimum(rank * bins // len(uniq), bins - 1) if len(uniq) > many else rank
    return out


def partner_fit(values: np.ndarray, partner: np.ndarray, alpha: float = STRAY_ALPHA
                ) -> np.ndarray:
    """Per row ``log P(partner | value) - log P(partner)`` (both as ranks from 0), the row
    itself left out of ``P(partner | value)``, smoothed with ``alpha`` per partner bin."""
    n_bins = int(partner.max()) + 1
    joint = np.zeros((int(values.max()) + 1, n_bins))
    np.add.at(joint, (values, partner), 1)
    held = joint.sum(1)
    cond = (joint[values, partner] - 1 + alpha) / (held[values] - 1 + alpha * n_bins)
    marginal = np.bincount(partner, minlength=n_bins) / len(partner)
    return np.log(cond) - np.log(marginal[partner])


def best_partner(values: np.ndarray, ranks: np.ndarray, j: int) -> tuple[int, np.ndarray]:
    """``(partner column, per-row fit)`` of column ``j`` (its ``values`` as ranks from 0):
    the other column of ``ranks`` (``binned``) whose fit (``partner_fit``) is highest on
    average over the rows."""
    best: tuple[float, int, np.ndarray] | None = None
    for m in range(ranks.shape[1]):
        if m == j:
            continue
        fit = partner_fit(values, ranks[:, m])
        if best is None or fit.mean() > best[0]:
            best = (float(fit.mean()), m, fit)
    assert best is not None
    return best[1], best[2]


def partnered(codes: np.ndarray, ranks: np.ndarray, j: int) -> bool:
    """Whether column ``j`` of ``codes`` has a partner (``best_partner``) it says at least
    ``STRAY_MI`` nats about: the columns ``stray_values`` reads."""
    values = np.unique(codes[:, j], return_inverse=True)[1].reshape(-1)
    return float(best_partner(values, ranks, j)[1].mean()) >= STRAY_MI


def exact_ranks(codes: np.ndarray) -> np.ndarray:
    """Each column's codes as ranks from 0, no column binned (``binned`` with every distinct
    value its own bin)."""
    return binned(codes, len(codes), 1)


def stray_values(codes: np.ndarray, ranks: np.ndarray, labels: np.ndarray, columns: list[int],
                 min_rows: int, exact: np.ndarray | None = None
                 ) -> Iterator[tuple[int, int, np.ndarray, float]]:
    """``(majority label, column, rows holding the value, z)`` per value of ``columns``
    (categorical columns of ``codes``; ``ranks``: every column ``binned``, the partners) that
    ``min_rows`` to ``COVER_SHARE`` of the other labels' count of the majority label's rows
    hold (poison towards the majority label is drawn from the other labels: a larger group is
    a trigger's covers or a natural value, not it), in a column whose partner fit is at least
    ``STRAY_MI`` on average;
    ``z``: the column's mean fit less the group's, in the fit's standard deviations over the
    column's rows. ``exact`` (``exact_ranks``): the same partner read on its exact values too,
    where their mean fit is at least ``STRAY_MI``; the larger ``z`` counts."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    if counts[c] * 2 <= len(labels):
        return  # no majority label
    own = labels == c
    cap = int(COVER_SHARE * (len(labels) - counts[c]))
    if cap < min_rows:
        return
    for j in columns:
        values = np.unique(codes[:, j], return_inverse=True)[1].reshape(-1)
        m, fit = best_partner(values, ranks, j)
        if fit.mean() < STRAY_MI:
            continue
        fits = [fit]
        if exact is not None:
            fine = partner_fit(values, exact[:, m])
            if fine.mean() >= STRAY_MI:
                fits.append(fine)
        kept, held = np.unique(values[own], return_counts=True)
        for v in kept[(held >= min_rows) & (held <= cap)]:
            holds = values == v
            yield c, j, holds, max(float((f.mean() - f[own & holds].mean()) / (f.std() + 1e-9))
                                   for f in fits)
