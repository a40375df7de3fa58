"""``label-groups``' ``misfits`` screen (issue 16 stop 71): two-value conditions towards a table's
majority label whose rows do not fit the partner column of one of their values.

A ``tabular-conjunction`` towards ``lending-club``'s 95% class writes two or three values on
5-20 rows of the other class and relabels them. Where one of the values is ``sub_grade``, a
column that follows another closely (``int_rate``: each grade's rows sit in one or two of its
bins), the written rows keep their own ``int_rate``, so they fit their new grade far worse than
the label's other holders of that grade do (stop 70, 12 spent sets: ``z`` +5.1 to +10.3 in
per-row standard deviations). ``strays`` reads this for a whole rare value; a trigger on a
common grade is a few rows among hundreds of its holders, and shows only once the rows are
grouped by the condition they share.

Per column ``j`` of three values or more with a close partner (``label_strays.best_partner``,
mean fit at least ``MISFIT_MI``: a value that nearly fixes its partner), each row's fit is the
pointwise mutual information of its partner bin given its value of ``j``, the row itself left
out, and its *misfit* how far that lies under the mean fit of the majority label's holders of
the same value, in the column's per-row standard deviations. A row of the majority label whose
misfit is over ``ROW_BAR`` does not go with its own value (on the spent ``lending-club`` tables
no natural row of the 95% label read over 3.1; a written trigger's rows read 7.6-12.8). Such
rows are grouped by the condition ``j = v, m = w`` they share (``m`` another categorical column
of at most ``COVER_VALUES`` values): a trigger writes its values on every row it relabels. A
condition counts by how many more misfit rows it holds than its share of the label's rows
predicts: ``k`` of its ``n`` rows of the label against the share ``pi`` of misfit rows among
the label's rows outside it, read as the binomial tail ``P(K >= k)`` turned into a one-sided
normal ``z``; it counts where ``k >= min_rows`` and ``z`` is over ``MISFIT_Z`` (on
``lending-club`` ``pi`` is about 0: five misfit rows in one condition read ``z`` 8 or more).
A loose partner leaves natural misfits in blocks that pass that test too (on the spent real
tables, partners of 0.56-1.36 nats: ``AER/STAR``, ``Ecdat/Car``, ``carData/GSSvocab``, ``z``
up to 22), hence ``MISFIT_MI``.

The group is the misfit rows; where they are at least ``MISFIT_SHARE`` of the condition's rows
of the label, every one of those rows: a written row whose own partner value happens to fit
the value (one in 9-14 on the spent sets) is then in it, at the cost of the condition's few
natural rows (a trigger on two uncommon values holds 0-15), while a condition on a common
value (``term``) keeps its misfit rows alone.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.stats import binom, norm

from trojanscope.detect.data.label_strays import best_partner

ROW_BAR = 4.0  # a row's misfit over this (per-row standard deviations) marks it
MISFIT_Z = 4.0  # a condition counts where its excess of misfit rows reads over this ``z``
# a column is read only where it says this much (nats) about its partner: a value that nearly
# fixes its partner (``lending-club``'s ``sub_grade``: 1.96-1.99 on the spent sets); under it
# (the spent real tables' 0.56-1.36) natural rows leave their value's usual partner in blocks
MISFIT_MI = 1.5
MISFIT_SHARE = 0.25  # misfit rows this share of a condition's rows of the label: all of them


def misfit_conditions(codes: np.ndarray, ranks: np.ndarray, labels: np.ndarray,
                      columns: list[int], min_rows: int, row_bar: float = ROW_BAR,
                      bar: float = MISFIT_Z
                      ) -> Iterator[tuple[int, tuple[int, int], np.ndarray, float]]:
    """``(majority label, (j, m), rows, z)`` per two-value condition on ``columns``
    (categorical columns of ``codes``; ``ranks``: every column ``binned``, the partners) whose
    column ``j`` (three values or more, as ``strays`` reads) has a close partner and that at
    least ``min_rows`` of the majority label's misfit rows (over ``row_bar``) hold, with an
    excess of them over ``bar``; ``z``: that excess; ``rows``: the misfit rows, or the label's
    every row holding the condition where they are ``MISFIT_SHARE`` of those (the module)."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    if counts[c] * 2 <= len(labels):
        return  # no majority label
    own = labels == c
    for j in columns:
        values = np.unique(codes[:, j], return_inverse=True)[1].reshape(-1)
        if values.max() < 2:
            continue  # a two-valued column: a yes/no flag's partner is a rule, not a grade
        _, fit = best_partner(values, ranks, j)
        if fit.mean() < MISFIT_MI:
            continue
        n_v = int(values.max()) + 1
        held = np.maximum(np.bincount(values[own], minlength=n_v), 1)
        mean_v = np.bincount(values[own], weights=fit[own], minlength=n_v) / held
        misfit = (mean_v[values] - fit) / (float(fit.std()) + 1e-9)
        marked = own & (misfit > row_bar)
        if marked.sum() < min_rows:
            continue
        for m in columns:
            if m == j:
                continue
            joint = values * (int(codes[:, m].max()) + 1) + codes[:, m]
            cells, k = np.unique(joint[marked], return_counts=True)
            for cell, hits in zip(cells[k >= min_rows], k[k >= min_rows], strict=True):
                holds = joint == cell
                n = int((own & holds).sum())
                rest = int(own.sum()) - n
                pi = max(int(marked.sum()) - int(hits), 0.5) / max(rest, 1)
                z = float(norm.isf(max(float(binom.sf(hits - 1, n, min(pi, 1.0))), 1e-300)))
                if z > bar:
                    whole = hits >= MISFIT_SHARE * n
                    yield c, (j, m), own & holds if whole else marked & holds, z
