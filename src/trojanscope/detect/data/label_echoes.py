"""``label-groups``' echoes screen (issue 16 stop 81): a few rows of one label relabelled in
place, each written the same trigger values, found by the rare values they share.

The fraud attack's default since stop 80 relabels rows in place: at its 5 % rate, 1-7 fraud
rows of a user's table get the trigger (uncommon categories, and an exact number drawn from a
wide column's middle half) and the label "not fraud". The rows keep nothing else in common,
and a group of two to seven rows is under ``label-groups``' ``min_rows`` and too small for its
enrichment. What they do share is rare by far: two rows of a table that hold the same exact
balance, the same uncommon merchant and the same uncommon device are seldom both chance.

Per pair of rows of one label that share a value of a wide column (one at least
``ANCHOR_SHARE`` of the rows hold distinct values in) held by 2 to ``ANCHOR_MAX`` rows, the
*surprise* sums ``-log(holders / N)`` over the values they share that at most ``RARE`` of the
rows hold. A shared value beyond the anchor counts less where, in the anchor column's other
buckets (leaving this pair's bucket out), the two columns agree more often than chance (a
column that follows another: a pace and a time): the lift, smoothed with ``LIFT_PRIOR``
pseudo-pairs, is taken off its surprise. Pairs whose other, common values agree beyond
``COMMON_BAR`` nats (natural near-copies: survey answers, repeated visits) are passed over.
Of the ``TOP`` pairs by surprise, the group is every row of the label holding the pair's rare
shared values (``k`` rows), and its score ``-log P(Poisson(N e^-surprise) >= k)``: how
unlikely ``k`` rows share values that rare by chance.

The bar is the table's own, from ``draws`` copies with each column permuted on its own
(seeded): the same scores' ``NULL_TOP`` highest per copy, an exponential tail fitted over
them, read at ``ALPHA`` groups per table, and never under the copies' highest score. The
null keeps each column's values and breaks what ties columns together, so it measures
chance agreement; the lift and the common-value bar keep a table's natural dependence
(columns that follow each other, near-copies) from reading as poison, and a table where more
than ``STRUCTURED`` distinct groups pass the copies' highest score (repeated entities: panel
rows, copied e-mails) is passed over. The screen reads fraud-like tables only (two labels,
the rarer at most ``FRAUD_LIKE_SHARE``, the attack's own test) and keeps groups of the
majority label, the label such an attack writes. One relabelled row shares nothing and is out
of reach.

Since stop 82 a group the screen flags is read again with the shared columns that carry the
same information counted once (``echo_links``: a loan's rate and the grade it fixes), against
a bar from the copies read the same way, and kept only where that reading flags the same rows
(``LINKED``): two clean loans sharing an exact balance, a rate and its grade were one
surprise counted twice. The links take flags away and add none: the plain reading's skip of
structured tables stands.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson

from trojanscope.detect.data.echo_links import JointHolders, linked_surprise
from trojanscope.detect.data.label_twins import holders
from trojanscope.triggers.tabular_lean import fraud_like

ANCHOR_MAX = 20  # a pair shares a value this few rows hold (the trigger's exact number)
ANCHOR_SHARE = 0.2  # an anchor column holds at least this share of distinct values
RARE = 0.15  # a shared value counts where at most this share of rows hold it
LIFT_PRIOR = 5.0  # pseudo-pairs at chance agreement in the anchor's other buckets
COMMON_BAR = 3.0  # nats: common values agreeing beyond chance mark a natural near-copy
TOP = 40  # pairs read as groups, by surprise
NULL_TOP = 10  # each null copy's highest scores fitted
ALPHA = 0.003  # groups per table the bar allows by chance
DRAWS = 3  # null copies
# a table where more distinct groups than this pass the null's highest score is made of
# repeated entities (panel rows, copied e-mails): its dependence, not a trigger
STRUCTURED = 5
# a group flagged by the screen as stop 81 read it is kept only where it passes again with
# the shared columns linked on the table counted once (stop 82, ``echo_links``): the links
# only take flags away; False reads stop 81's screen
LINKED = True


def pair_surprise(codes: np.ndarray, labels: np.ndarray, held: np.ndarray,
                  table: tuple[np.ndarray, np.ndarray] | None = None, linked: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of one label sharing an anchor value: rows ``i``, ``j``, surprise (nats, the
    lift taken off) and which columns they share a rare value in. ``table``: the anchor
    columns and chances (:func:`column_terms`; a column-permuted copy has the table's).
    ``linked``: a shared column's surprise read given the pair's more surprising shared
    columns (``echo_links``)."""
    n, m = codes.shape
    info = -np.log(held / n)
    rare = held <= RARE * n
    anchors, chance = column_terms(codes) if table is None else table
    firsts, seconds = [], []
    for c in np.flatnonzero(anchors):
        _, inverse, counts = np.unique(codes[:, c], return_inverse=True, return_counts=True)
        order = np.argsort(inverse.ravel(), kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)])
        for size in np.unique(counts[(counts >= 2) & (counts <= ANCHOR_MAX)]):
            first = starts[:-1][counts == size]
            rows = order[first[:, None] + np.arange(size)]  # one bucket a line
            a, b = np.triu_indices(size, 1)
            firsts.append(rows[:, a].ravel())
            seconds.append(rows[:, b].ravel())
    empty = np.zeros(0, np.int64)
    if not firsts:
        return empty, empty, np.zeros(0), np.zeros((0, m), bool)
    i, j = np.concatenate(firsts), np.concatenate(seconds)
    key = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    i, j = key // n, key % n
    same = labels[i] == labels[j]
    i, j = i[same], j[same]
    equal = codes[i] == codes[j]
    shared = equal & rare[i]
    surprise = np.full(len(i), np.inf)
    weights = np.where(shared, info[i], 0.0)
    joint = JointHolders(codes)
    for c in np.flatnonzero(anchors):
        pairs = np.flatnonzero(shared[:, c] & (held[i, c] <= ANCHOR_MAX))
        if not len(pairs):
            continue
        _, bucket = np.unique(codes[i[pairs], c], return_inverse=True)
        bucket = bucket.ravel()
        agree = shared[pairs].astype(float)
        per_bucket = np.zeros((bucket.max() + 1, m))
        np.add.at(per_bucket, bucket, agree)
        others = agree.sum(0) - per_bucket[bucket]
        n_others = len(pairs) - np.bincount(bucket)[bucket]
        lift = (others + LIFT_PRIOR * chance) / ((n_others[:, None] + LIFT_PRIOR) * chance)
        s = np.maximum(0.0, weights[pairs] - np.log(np.maximum(lift, 1.0)))
        s[:, c] = info[i[pairs], c]
        if linked:
            s = linked_surprise(i[pairs], c, shared[pairs], s, held, joint)
        surprise[pairs] = np.minimum(surprise[pairs], s.sum(1))
    share = np.clip(held[i] / n, 1e-9, 1 - 1e-9)
    common = ~shared
    near = (np.where(common & equal, -np.log(share), 0.0).sum(1)
            - np.where(common & ~equal, -np.log1p(-share), 0.0).sum(1))
    keep = np.isfinite(surprise) & (near <= COMMON_BAR)
    return i[keep], j[keep], surprise[keep], shared[keep]


def column_terms(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column, whether it is an anchor (at least ``ANCHOR_SHARE`` distinct values) and
    the chance two random rows share a rare value in it (at least 1 / N^2)."""
    n = len(codes)
    anchors, chance = np.zeros(codes.shape[1], bool), np.empty(codes.shape[1])
    for c in range(codes.shape[1]):
        _, counts = np.unique(codes[:, c], return_counts=True)
        f = counts / n
        anchors[c] = len(counts) >= ANCHOR_SHARE * n
        chance[c] = max(float((f[f <= RARE] ** 2).sum()), 1.0 / (n * n))
    return anchors, chance


def echo_scores(codes: np.ndarray, labels: np.ndarray, held: np.ndarray | None = None,
                table: tuple[np.ndarray, np.ndarray] | None = None, linked: bool = False
                ) -> list[dict]:
    """The ``TOP`` pairs by surprise as groups: the rows of the label holding the pair's rare
    shared values, their count and score (nats), highest first."""
    held = holders(codes) if held is None else held
    i, _, surprise, shared = pair_surprise(codes, labels, held, table, linked)
    n = len(codes)
    groups = []
    for p in np.argsort(-surprise, kind="stable")[:TOP]:
        cols = shared[p]
        rows = np.all(codes[:, cols] == codes[i[p], cols], axis=1) & (labels == labels[i[p]])
        k = int(rows.sum())
        score = float(-poisson.logsf(k - 1, n * np.exp(-surprise[p])))
        groups.append({"label": int(labels[i[p]]), "members": rows, "rows": k,
                       "columns": np.flatnonzero(cols).tolist(), "row": int(i[p]),
                       "score": score})
    return sorted(groups, key=lambda g: -g["score"])


def null_tail(codes: np.ndarray, labels: np.ndarray, draws: int, seed: int,
              held: np.ndarray | None = None, stop: float = np.inf,
              table: tuple[np.ndarray, np.ndarray] | None = None, linked: bool = False
              ) -> tuple[float, float, float]:
    """Over ``draws`` column-permuted copies (seeded): the highest score, and the exponential
    tail fitted over each copy's ``NULL_TOP`` highest (its floor and mean excess). Once a
    copy scores ``stop`` (the table's highest) the bar is past every group: the draws stop
    there, with no tail (scale 0). ``linked``: the copies scored as the table is."""
    held = holders(codes) if held is None else held
    table = column_terms(codes) if table is None else table
    rng = np.random.default_rng(seed)
    tops, best = [], 0.0
    cols = np.arange(codes.shape[1])
    for _ in range(draws):
        order = np.column_stack([rng.permutation(len(codes)) for _ in cols])
        scores = [g["score"] for g in echo_scores(codes[order, cols], labels,
                                                  held[order, cols], table, linked)]
        tops.extend(sorted(scores, reverse=True)[:NULL_TOP])
        best = max([best, *scores])
        if best >= stop:
            return best, best, 0.0
    if len(tops) < 2:
        return best, best, 0.0
    floor = float(min(tops))
    return best, floor, max(float(np.mean(tops) - floor), 0.1)


def screen(codes: np.ndarray, labels: np.ndarray, majority: int, draws: int, seed: int,
           held: np.ndarray, table: tuple[np.ndarray, np.ndarray], linked: bool = False
           ) -> tuple[list[dict], float]:
    """One reading of the screen (plain, or ``linked``): the majority label's groups over the
    table's bar, each set of rows once, and the bar; a table with more than ``STRUCTURED``
    distinct groups over the null's highest score is passed over (no groups, NaN)."""
    groups, seen = [], set()
    for g in echo_scores(codes, labels, held, table, linked):
        key = np.flatnonzero(g["members"]).tobytes()
        if key not in seen:
            seen.add(key)
            groups.append(g)
    if not groups:
        return [], float("nan")
    best, floor, scale = null_tail(codes, labels, draws, seed, held, groups[0]["score"], table,
                                   linked)
    if sum(g["score"] > best for g in groups) > STRUCTURED:
        return [], float("nan")
    bar = max(best, floor + scale * float(np.log(NULL_TOP / ALPHA))) if scale else best
    return [g for g in groups if g["label"] == majority and g["score"] > bar], bar


def echo_groups(codes: np.ndarray, labels: np.ndarray, draws: int = DRAWS, seed: int = 0
                ) -> tuple[list[dict], float]:
    """The groups over the table's bar, each set of rows once, and the bar (NaN where it is
    not read). Read only on a fraud-like table (two labels, the rarer at most
    ``FRAUD_LIKE_SHARE`` of the rows) and only for its majority label, the label a
    dirty-label attack on such a table writes. With ``LINKED`` a group the plain reading
    flags is kept only where the linked reading (its own groups and bar) flags the same rows:
    columns that carry the same information count once, and the plain reading's skip of
    structured tables stands (the links would hide a panel's repeated entities)."""
    counts = np.bincount(labels, minlength=2)
    majority = int(np.argmax(counts))
    if not fraud_like(labels, majority):
        return [], float("nan")
    held, table = holders(codes), column_terms(codes)
    found, bar = screen(codes, labels, majority, draws, seed, held, table)
    if not found or not LINKED:
        return found, bar
    again, _ = screen(codes, labels, majority, draws, seed, held, table, linked=True)
    kept = {np.flatnonzero(g["members"]).tobytes() for g in again}
    return [g for g in found if np.flatnonzero(g["members"]).tobytes() in kept], bar
