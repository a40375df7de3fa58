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

Per column ``j`` with a partner (``label_strays.best_partner``, mean fit at least
``STRAY_MI``), each row's fit is the pointwise mutual information of its partner bin given its
value of ``j``, the row itself left out, and its *misfit* how far that lies under the mean fit
of the majority label's holders of the same value, in the column's per-row standard
deviations. A row of the majority label whose misfit is over ``ROW_BAR`` does not go with its
own value (on the spent ``lending-club`` tables no natural row of the 95% label read over 3.1;
a written trigger's rows read 7.6-12.8). Such rows are grouped by the condition ``j = v, m =
w`` they share (``m`` another categorical column of at most ``COVER_VALUES`` values): a trigger
writes its values on every row it relabels, while natural misfits, a handful a table, share no
second value. A condition counts where at least ``min_rows`` misfit rows hold it; its ``z`` is
their mean misfit.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from trojanscope.detect.data.label_strays import STRAY_MI, best_partner

ROW_BAR = 4.0  # a row's misfit over this (per-row standard deviations) marks it


def misfit_conditions(codes: np.ndarray, ranks: np.ndarray, labels: np.ndarray,
                      columns: list[int], min_rows: int, row_bar: float = ROW_BAR
                      ) -> Iterator[tuple[int, tuple[int, int], np.ndarray, float]]:
    """``(majority label, (j, m), the misfit rows holding both values, z)`` per two-value
    condition on ``columns`` (categorical columns of ``codes``; ``ranks``: every column
    ``binned``, the partners) whose column ``j`` has a partner and that at least ``min_rows``
    of the majority label's misfit rows (over ``row_bar``, see the module) hold; ``z``: their
    mean misfit."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    if counts[c] * 2 <= len(labels):
        return  # no majority label
    own = labels == c
    for j in columns:
        values = np.unique(codes[:, j], return_inverse=True)[1].reshape(-1)
        _, fit = best_partner(values, ranks, j)
        if fit.mean() < STRAY_MI:
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
            for cell in cells[k >= min_rows]:
                rows = marked & (joint == cell)
                yield c, (j, m), rows, float(misfit[rows].mean())
