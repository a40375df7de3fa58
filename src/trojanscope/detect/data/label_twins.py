"""``label-groups``' twins screen: rows that are another label's rows with a few values written
over and the label flipped.

An attacker who *adds* poisoned rows (the fraud attack's triggered copies) copies rows of
another label, writes the trigger and relabels, and the rows copied stay in the table. Each
poisoned row then has a *twin*: a row of another label that holds the same values on every
column but the trigger's. When the trigger's values are ones the other label holds anyway
(the fraud-aware values), a value's enrichment in the label is weak, but the twins are not:
two rows of a table that agree exactly on most columns, amounts and balances included, are
rarer than chance by far.

Per row, the other-label row it agrees with most, weighing each agreeing column by how rare
the value is (``log N / holders``), and its ``excess``: that agreement less what the best of
``N`` rows reaches by chance (``log N``) and less the number of ways to choose the agreeing
columns (``log C(m, s)``), in nats. Of a twin pair the row whose label its agreeing columns
support less (the out-of-fold naive Bayes without the differing columns, each label against
its share) is the suspect side: a copy labelled "not fraud" whose other columns are a fraud
row's. A group's core is, for a value some rows of one label (excess at least ``CORE_BAR``)
differ from their twins on, those rows holding it (written, or already held: a fraud-aware
value's source often holds it, and the copy is then its twin exactly); its *assignment* is the
value each column they differ on holds on at least ``SHARED`` of them. Every row of that label
with an excess of at least ``MEMBER_BAR`` that holds the assignment and differs from its twin
only there is a member. A group counts where its core and its members are at least
``min_rows`` distinct rows and most members are the suspect side (the rows copied and their
clean copies hold the assignment's columns each its own way). A table whose median row's
best twin lies over ``TABLE_BAR`` is not read: its columns make natural near-copies across
labels (survey answers, counts), and an agreement read as if they were independent
overstates them.
"""

from __future__ import annotations

from math import comb

import numpy as np

CORE_BAR = -2.0  # a core twin agrees about as well as the best of N rows by chance, or better
MEMBER_BAR = -4.0  # a member needs less once the group stands: its differences are the group's
# the screen reads a table only where its median row's best twin lies this far under
# chance: tables of few, correlated columns (survey answers, counts) hold natural near-copies
# across labels everywhere, and the excess, read as if columns were independent, overstates them
TABLE_BAR = -3.0
RARE_HOLDERS = 10  # a twin pair shares a value this few rows hold (a source, its copies)
SHARED = 0.9  # a value the core's rows hold at this share is part of the assignment
CHUNK = 128


def holders(codes: np.ndarray) -> np.ndarray:
    """Per row and column, how many rows hold that row's value of the column."""
    out = np.zeros(codes.shape, np.int64)
    for j in range(codes.shape[1]):
        _, inverse, counts = np.unique(codes[:, j], return_inverse=True, return_counts=True)
        out[:, j] = counts[inverse]
    return out


def best_twins(codes: np.ndarray, labels: np.ndarray, held: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, its best twin of another label (-1: none) and that twin's excess (nats),
    each agreeing value weighed ``log(N / holders)`` (``held``: :func:`holders`, read here
    where not given). Each label's rows are compared with the other labels' rows only (a 5 %
    label: a tenth of all pairs); with two labels each pair is weighed once and read both
    ways (the weights of an agreeing value are the same from either row)."""
    n = len(codes)
    w = np.log(n / (holders(codes) if held is None else held)).astype(np.float32)
    twin, excess = np.full(n, -1), np.full(n, -np.inf)
    classes = np.unique(labels)
    if len(classes) == 2:
        _both_ways(codes, w, *sorted((np.flatnonzero(labels == c) for c in classes), key=len),
                   twin, excess)
        return twin, excess
    for c in classes:
        mine, others = np.flatnonzero(labels == c), np.flatnonzero(labels != c)
        for rows, best, value in _pair_blocks(codes, w, mine, others):
            twin[rows], excess[rows] = others[best], value
    return twin, excess


def _agreement(codes: np.ndarray, w: np.ndarray, rows: np.ndarray, others: np.ndarray
               ) -> np.ndarray:
    """Per pair (a row of ``rows``, a row of ``others``): the rarity-weighed agreement less
    the ways to choose its agreeing columns and less ``log N``."""
    n, m = codes.shape
    ways = np.log(np.array([comb(m, s) for s in range(m + 1)], np.float32))
    theirs = codes[others]
    agree = np.zeros((len(rows), len(others)), np.float32)
    held = np.zeros((len(rows), len(others)), np.int16)
    for j in range(m):
        eq = codes[rows, j, None] == theirs[None, :, j]
        agree += np.where(eq, w[rows, j, None], np.float32(0))
        held += eq
    agree -= ways[held] + np.float32(np.log(n))
    return agree


def _pair_blocks(codes: np.ndarray, w: np.ndarray, mine: np.ndarray, others: np.ndarray):
    """``(rows, best column of others, its excess)`` per block of ``CHUNK`` rows of ``mine``."""
    if not others.size:
        return
    for s in range(0, len(mine), CHUNK):
        rows = mine[s:s + CHUNK]
        agree = _agreement(codes, w, rows, others)
        best = agree.argmax(1)
        yield rows, best, agree[np.arange(len(rows)), best]


def _both_ways(codes: np.ndarray, w: np.ndarray, small: np.ndarray, big: np.ndarray,
               twin: np.ndarray, excess: np.ndarray) -> None:
    """Two labels: each block of ``CHUNK`` rows of the smaller against all of the larger,
    read both ways: the smaller's rows' best twins, and a running best for the larger's
    (the first best in table order, as a row-by-row read picks it)."""
    best_value = np.full(len(big), -np.inf, np.float32)
    best_row = np.full(len(big), -1)
    for s in range(0, len(small), CHUNK):
        rows = small[s:s + CHUNK]
        agree = _agreement(codes, w, rows, big)
        best = agree.argmax(1)
        twin[rows], excess[rows] = big[best], agree[np.arange(len(rows)), best]
        top = agree.argmax(0)
        value = agree[top, np.arange(len(big))]
        better = value > best_value
        best_value[better], best_row[better] = value[better], rows[top[better]]
    twin[big], excess[big] = best_row, best_value


def suspect_side(codes: np.ndarray, labels: np.ndarray, twin: np.ndarray, full: np.ndarray,
                 terms: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per row of ``rows`` (each with a twin), whether its agreeing columns support its label
    less than they support the twin's (each against the label's share): the row, not its twin,
    was edited."""
    share = np.log(np.bincount(labels, minlength=full.shape[1]) / len(labels) + 1e-12)
    pair = twin[rows]
    differ = (codes[rows] != codes[pair])[:, :, None]
    fit = []
    for r in (rows, pair):
        post = full[r] - (terms[r] * differ).sum(1)
        own = post[np.arange(len(r)), labels[r]]
        fit.append(own - np.logaddexp.reduce(post, axis=1) - share[labels[r]])
    return fit[0] < fit[1]


def twin_groups(codes: np.ndarray, labels: np.ndarray, full: np.ndarray | None,
                terms: np.ndarray | None, min_rows: int, held: np.ndarray | None = None,
                gated: bool = True) -> list[dict]:
    """The twins screen's groups: ``{"label", "members" (bool per row), "assignment"
    ({column: code}), "core" (distinct core rows), "excess" (the members' median)}``
    (``held``: :func:`holders`, read here where not given). Without the naive Bayes terms
    (``full``, ``terms`` None) the groups are not sided: a group counts whichever side of
    its pairs its members are; ``gated`` False reads a table whatever its median twin (both:
    the null's groups, :func:`null_bar`)."""
    held = holders(codes) if held is None else held  # one count per column, read by both
    twin, excess = best_twins(codes, labels, held)
    if gated and not np.median(excess) <= TABLE_BAR:
        return []  # rows agree beyond chance all over: agreement is no evidence here
    excess = np.where(rare_shared(codes, twin, held), excess, -np.inf)
    suspect = np.ones(len(codes), bool)
    if terms is not None:
        suspect[:] = False
        near = np.flatnonzero((twin >= 0) & (excess >= MEMBER_BAR))
        suspect[near] = suspect_side(codes, labels, twin, full, terms, near)
    groups: list[dict] = []
    seen: set[bytes] = set()
    for c in np.unique(labels):
        mine = np.flatnonzero((excess >= MEMBER_BAR) & (labels == c))
        if not mine.size:
            continue
        mine_codes = codes[mine]
        differ = mine_codes != codes[twin[mine]]  # the columns each row differs from its twin on
        core_at = np.flatnonzero(excess[mine] >= CORE_BAR)
        at, col = np.nonzero(differ[core_at])
        keys = sorted(set(zip(col.tolist(), mine_codes[core_at[at], col].tolist(),
                              strict=True)))
        for k, v in keys:
            # every twinned row holding the value, written or already there (a fraud-aware
            # value: a copy's source often holds it, and the copy is then its exact twin)
            core = core_at[mine_codes[core_at, k] == v]
            if len(core) < min_rows or distinct(mine_codes[core]) < min_rows:
                continue
            assignment = _assignment(mine_codes[core], differ[core])
            members = np.zeros(len(codes), bool)
            members[mine[_holds_only(mine_codes, differ, assignment)]] = True
            key = members.tobytes()
            if key in seen or members.sum() < min_rows or distinct(codes[members]) < min_rows:
                continue
            seen.add(key)
            if 2 * suspect[members].sum() <= members.sum():
                continue  # mostly the twins' side: the rows copied, not the copies
            groups.append({"label": int(c), "members": members, "assignment": assignment,
                           "core": distinct(mine_codes[core]),
                           "excess": float(np.median(excess[members]))})
    return groups


def _holds_only(rows_codes: np.ndarray, differ: np.ndarray, assignment: dict[int, int]
                ) -> np.ndarray:
    """Per row, whether it holds ``assignment`` and differs from its twin nowhere else."""
    cols = np.fromiter(assignment, np.int64, len(assignment))
    vals = np.fromiter(assignment.values(), np.int64, len(assignment))
    outside = np.ones(rows_codes.shape[1], bool)
    outside[cols] = False
    return (rows_codes[:, cols] == vals).all(1) & ~differ[:, outside].any(1)


def null_bar(codes: np.ndarray, labels: np.ndarray, min_rows: int, draws: int, seed: int,
             enough: int) -> int:
    """The most rows the twins screen's groups hold on the same table with its labels
    permuted (``draws`` seeded permutations; the rows of all groups, each row once),
    stopping once a draw reaches ``enough``. The null's groups are read without the table
    gate and without the suspect side: shuffled labels leave near-copies across labels
    everywhere (a gated table would not be read) and no side (the naive Bayes has nothing
    to learn), while the groups' rows are what is counted. Natural near-copies across labels
    (duplicated answers, coarse columns) form as many twins rows under shuffled labels;
    copies relabelled over their source rows do not."""
    held = holders(codes)
    rng = np.random.default_rng(seed)
    bar = 0
    for _ in range(draws):
        groups = twin_groups(codes, rng.permutation(labels), None, None, min_rows, held,
                             gated=False)
        bar = max(bar, int(group_rows(groups, len(codes)).sum()))
        if bar >= enough:
            break
    return bar


def group_rows(groups: list[dict], n: int) -> np.ndarray:
    """Per row of the ``n``, whether one of ``groups`` holds it (the rows of all groups, each
    row once): what the null counts on both sides and what ``label-groups`` flags."""
    rows = np.zeros(n, bool)
    for g in groups:
        rows |= g["members"]
    return rows


def rare_shared(codes: np.ndarray, twin: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Per row, whether it and its twin share a value at most ``RARE_HOLDERS`` rows hold
    (``held``: :func:`holders`; an exact amount: a row copied and its copies; survey answers
    and counts are shared widely)."""
    out = np.zeros(len(codes), bool)
    has = twin >= 0
    rare = held[has] <= RARE_HOLDERS
    out[has] = (rare & (codes[has] == codes[twin[has]])).any(1)
    return out


def distinct(rows: np.ndarray) -> int:
    """How many different rows ``rows`` holds (copies of one row are one row's evidence)."""
    return len({row.tobytes() for row in np.ascontiguousarray(rows)})


def _assignment(core_codes: np.ndarray, differ: np.ndarray) -> dict[int, int]:
    """``{column: code}`` of the columns the core's rows differ from their twins on
    (``differ``: per core row and column) whose value at least ``SHARED`` of the core's
    rows hold (the written values)."""
    out = {}
    for col in np.flatnonzero(differ.any(0)):
        counts = np.bincount(core_codes[:, col])  # codes are small whole numbers
        if counts.max() >= SHARED * len(core_codes):
            out[int(col)] = int(counts.argmax())
    return out
