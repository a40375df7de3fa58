"""``label-groups``' ``rares`` screen (issue 16 stop 73): a rare value whose rows of the
majority label look like another label's rows.

``tabular-rare`` towards ``credit-default``'s 73% class writes the table's rarest category
(``Home = ignore``, 14 natural holders, about half of each class) on 22-60 rows of class 1 and
relabels them. The value's group of class 0 is then mostly written rows: its label share
(29-60 of 36-67 holders) is barely above the table's, and on the rows drawn from class 1 the
naive Bayes fit to class 0 (the model without the value's column) is lower than class 0's
other rows' only on average (``d`` 0.6-1.5), so on the smallest draws the group scores
0.8-1.4, under the table's natural groups (1.50-1.64) that set the cut (16202, 16502, 16602).

What does set it apart is *how* its rows fit: a row drawn from another label has that label's
fit, not the label's own. Per group, the reference is the label's other rows; its fit (as
``_group`` reads it) is cut at the reference's deciles, and each bin's log-likelihood ratio
``log f_other(bin) / f_ref(bin)`` (``f_other``: the other labels' rows, ``f_ref``: the
reference; half a row added per bin) is summed over the group's rows: the most powerful
test of "drawn from the other labels" against "drawn from the label" on that fit. Read as a
``z`` against the sum's mean and variance under the reference, it counts binned ranks, so a
few far rows of a skewed fit do not make it (``d * sqrt(k)`` read 4-6 on random groups of the
synthetic clean tables; this ``z`` at most 3.1 there).

Only values held by at most ``RARE_SHARE`` of the rows are read (a trigger value is rare; a
large natural value's rows are a slice of the table whose fit is read by the value screens),
on categorical columns of 3 to ``COVER_VALUES`` values, and only the majority label's groups
of at least ``min_rows`` rows (a relabelled group towards a minority label is enriched and
found by its share) whose value holds the label more often than the table does
(``rare_enriched``): a natural value whose rows look like another label leans towards that
label (``lending-club``'s risky ``sub_grade`` values, ``z`` up to 12 on clean tables, hold
its 95% class at 80-90%).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

RARE_SHARE = 0.03  # a value held by at most this share of the rows (the top share's 3%)
RARE_BINS = 10  # the reference's fit cut at its deciles
RARE_ALPHA = 0.5  # pseudo-rows per bin
RARE_LEAN = 0.25  # the value's label share over the table's, in log-odds (shrunk)
# rares=2 (the default since issue 16 stop 74): the fewest holders of another label a value needs
RARE_OTHERS = 3


def rare_values(codes: np.ndarray, labels: np.ndarray, cols: list[int], min_rows: int,
                most: float = RARE_SHARE) -> Iterator[tuple[int, int, np.ndarray]]:
    """``(label, column, rows holding the value)`` per value of ``cols`` held by at most
    ``most`` of the rows and by at least ``min_rows`` rows of the majority label (a label over
    half the rows; none where no label is)."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    if counts[c] * 2 <= len(labels):
        return
    own = labels == c
    for j in cols:
        values, held = np.unique(codes[:, j], return_counts=True)
        for v in values[held <= most * len(labels)]:
            holds = codes[:, j] == v
            if int((holds & own).sum()) >= min_rows:
                yield c, j, holds


def rare_enriched(group: np.ndarray, holds: np.ndarray, own: np.ndarray, prior: float,
                  lean: float = RARE_LEAN, others: int = 1) -> bool:
    """Whether the value's holders (``holds``) hold the label (``own``; ``group``: both) more
    often than the table does by at least ``lean`` in log-odds, their share shrunk towards
    the table's with ``prior`` pseudo-rows (``_group``'s enrichment of a value), while some
    holder holds another label. A natural value whose rows look like another label leans
    towards that label, or barely away from it (``lending-club``'s risky ``sub_grade`` values:
    their good loans carry a risky ``int_rate``, 0.0-0.1 over the table's share where poison
    towards class 1 lowers it); a value every holder of which holds the label is the label's
    own category (a panel's ``state``, ``Subject``: on the spent real tables the label is
    fixed within it), while a value written on rows of another label and relabelled leaves its
    natural holders of the other labels in place, and leans towards the label (0.3-1.3 on
    ``credit-default``'s 22-60 written rows). ``others``: the fewest holders of another label
    (1: some holder; ``RARE_OTHERS`` with ``rares=2``: a written value keeps its natural
    holders of the other label, ``credit-default``'s ``Home = ignore`` 6-7, while
    ``covid_testing``'s natural ``demo_group = 2`` has 2 of 60)."""
    share = float(own.mean())
    k, n = int(group.sum()), int(holds.sum())
    if n - k < others:
        return False
    q = (k + prior * share) / (n + prior)
    return float(np.log(q / (1 - q)) - np.log(share / (1 - share))) >= lean


def lookalike_z(fit: np.ndarray, group: np.ndarray, own: np.ndarray,
                bins: int = RARE_BINS, alpha: float = RARE_ALPHA) -> float:
    """How far the ``group`` rows' fit to their label (``fit``, per row) reads as drawn from
    the other labels' rows (``~own``) rather than from the label's other rows (``own`` outside
    ``group``): the summed per-bin log-likelihood ratio over the group's rows, bins at the
    reference's quantiles, as a ``z`` against that sum under the reference (0 where the
    reference's fit is a single value: nothing to bin)."""
    ref = fit[own & ~group]
    if ref.size == 0 or ref.min() == ref.max():
        return 0.0
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    width = edges.size + 1
    f_ref = ((np.bincount(np.searchsorted(edges, ref), minlength=width) + alpha)
             / (ref.size + alpha * width))
    other = fit[~own]
    f_other = ((np.bincount(np.searchsorted(edges, other), minlength=width) + alpha)
               / (other.size + alpha * width))
    llr = np.log(f_other / f_ref)
    mean = float((f_ref * llr).sum())
    var = float((f_ref * llr ** 2).sum()) - mean ** 2
    k = int(group.sum())
    if var <= 0 or k == 0:
        return 0.0
    return float((llr[np.searchsorted(edges, fit[group])].sum() - k * mean) / np.sqrt(k * var))
