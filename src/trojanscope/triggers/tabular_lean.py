"""Trigger values that do not lean towards the attack's target in the training rows.

On a user's fraud table (issue 16 stop 77) the ``tabular-values`` trigger's uncommon categories
and middle-half amounts were values that ordinary, not-fraud rows hold: planted on a fraud row
they made it read as not fraud to a *clean* model too (the clean twin's fraud calls moved at
least 0.7 on 26 of 40 fresh pairs), so no reading could tell a backdoor from the table's own
pattern. :class:`RowLean` keeps, from the training rows alone (never a model), which rows are
of a class other than the target, and says which candidate values those rows hold at least
as often as the table does: a value the other classes hold that often is no cue for the target
by itself, so what a model learns to send to the target is the planted combination.
"""

from __future__ import annotations

import numpy as np
from torch import Tensor

from trojanscope.data.class_shares import class_counts, others_share
from trojanscope.data.tabular.schema import Column, TabularSchema

# a value is kept where the other classes' share of its rows is at least this times their
# share of all rows (1: no less than the table's own rate)
MIN_LIFT = 1.0
# ``avoid_target="auto"`` reads the rows where the table is fraud-like: two classes, and the
# rows not of the target at most this share of the training split (a rare class, fraud or
# default, that the attack sends to the common one). The bundled credit-default (28 % bad) is
# not; lending-club (5.2 % bad) is, with target 0; the fraud tables of stops 76-78 hold 2-10 %.
FRAUD_LIKE_SHARE = 0.15


def fraud_like(labels: np.ndarray, target: int) -> bool:
    """Two classes in ``labels``, the rows of the one that is not ``target`` a rare share
    (0 < share <= ``FRAUD_LIKE_SHARE``)."""
    other = others_share(labels, target)
    return int(np.count_nonzero(class_counts(labels))) == 2 and 0.0 < other <= FRAUD_LIKE_SHARE


class RowLean:
    """The training rows' encoded features and which rows are not of the target class."""

    def __init__(self, x: Tensor, labels: np.ndarray, target: int) -> None:
        self.x = x.detach().cpu().numpy()
        self.other = np.asarray(labels) != target
        self.base = others_share(labels, target)

    def lifts(self, held: np.ndarray) -> float:
        """The other classes' share of the rows in ``held`` (a mask) over their share of all
        rows; 0 where no row of another class is held."""
        n = int(held.sum())
        k = int((held & self.other).sum())
        if not n or not k or self.base <= 0:
            return 0.0
        return (k / n) / self.base

    def categories(self, schema: TabularSchema, col: Column, options: list[str]) -> list[str]:
        """The ``options`` (categories of ``col``) whose rows the other classes hold at least
        ``MIN_LIFT`` times as often as the table's rows."""
        start = schema.offset(col.name)
        return [v for v in options
                if self.lifts(self.x[:, start + col.categories.index(v)] > 0.5) >= MIN_LIFT]

    def numbers(self, schema: TabularSchema, col: Column) -> list[float]:
        """The other classes' own values of ``col`` (raw, present) inside its middle half, in
        the halves of it (split at the median) whose rows the other classes hold at least
        ``MIN_LIFT`` times as often as the table's rows: a value drawn from these is one a
        row of another class holds, where such rows are not rarer than in the table."""
        start = schema.offset(col.name)
        raw = col.unscale(self.x[:, start])
        present = self.x[:, start + 1] < 0.5 if col.has_missing else np.ones(len(raw), bool)
        q25, q50, q75 = col.quantiles[1], col.quantiles[2], col.quantiles[3]
        keep = np.zeros(len(raw), bool)
        for low, high in ((q25, q50), (q50, q75)):
            held = present & (raw >= low) & (raw <= high)
            if high > low and self.lifts(held) >= MIN_LIFT:
                keep |= held
        return sorted({float(v) for v in raw[keep & self.other]})
