"""``label-groups``' per-cell contrast (issue 16 stop 69): two-value conditions towards a table's
majority label read as the interaction of their four cells.

A two-value ``tabular-conjunction`` trigger towards the majority label (``a = u, b = v``) is a
few rows of the other label written both values and relabelled; its covers, of the other label
too, are written one value alone. The rows fall into four cells: the condition (both values),
the two near cells (one value without the other) and the rest (neither). The covers make both
near cells lean away from the label, the relabelled rows make the condition pure. ``covers``
reads the condition against its near rows as a whole, which on two common values (hundreds of
near rows, 10-20 covers) barely moves, and the near cells' lean against the table mixes the
covers with each value's own risk (``credit-default``'s ``Home`` and ``Marital`` shift the label
by themselves). Two natural risk factors shift the log-odds additively, so the interaction
``lo(condition) - lo(near cell a) - lo(near cell b) + lo(rest)`` is about 0 for them: each near
cell is read against its value's own share (the value's shift among the rows without the
other value), and what is left is the condition's purity beyond what its values predict.

The block guard: a conjunction towards the *other* label that shares one value (``a = u, b =
w``, relabelled away from the majority) fills the near cell ``a = u, b != v`` of every majority
condition ``a = u, b = v`` with one block on ``b = w`` that holds the other label far more often
than ``w``'s rows without ``u`` do, and the cell leans away through it (stop 66's 15357 for
``covers``). A trigger's covers keep their own values of the other column. ``other_blocks``
finds such blocks (``BLOCK`` in logits over the value's own share without the cell's value);
the condition is read again without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np

from trojanscope.detect.data.label_covers import COVER_SHARE

BLOCK = 1.5  # logits: a block of a near cell this far over its value's own share is left out


def _lo(m: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Log-odds of ``m`` label rows among ``n`` rows, with half a row added to each side."""
    return np.log((m + 0.5) / (n - m + 0.5))


def _var(m: np.ndarray, n: np.ndarray) -> np.ndarray:
    return 1.0 / (m + 0.5) + 1.0 / (n - m + 0.5)


def other_blocks(codes: np.ndarray, own: np.ndarray, held: tuple[int, int], missed: int,
                 min_rows: int) -> np.ndarray:
    """Rows of the near cell holding ``held`` (column, value) in blocks of one value of column
    ``missed`` (``min_rows`` rows or more) whose share of the other labels (``~own``) stands
    more than ``BLOCK`` in logits over that value's share among the rows without ``held``'s
    value: another label's conjunction inside the cell."""
    j, u = held
    out = np.zeros(len(codes), bool)
    inside = codes[:, j] == u
    for x in np.unique(codes[inside, missed]):
        has = codes[:, missed] == x
        block, rest = inside & has, ~inside & has
        if block.sum() < min_rows:
            continue
        if _lo((block & ~own).sum(), block.sum()) - _lo((rest & ~own).sum(), rest.sum()) > BLOCK:
            out |= block
    return out


def _four(codes: np.ndarray, own: np.ndarray, keep: np.ndarray, a: int, u: int, b: int,
          v: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, label rows) of the condition, near cell a (``v`` without ``u``), near cell b and
    the rest, among ``keep``."""
    ha, hb = codes[:, a] == u, codes[:, b] == v
    cells = [ha & hb, ~ha & hb, ha & ~hb, ~ha & ~hb]
    return (np.array([(c & keep).sum() for c in cells]),
            np.array([(c & keep & own).sum() for c in cells]))


def cell_contrasts(codes: np.ndarray, labels: np.ndarray, columns: list[int], min_rows: int,
                   skip: set[tuple[int, int]] | None = None) -> Iterator[dict]:
    """Per two-value condition on two of ``columns`` that ``min_rows`` to ``COVER_SHARE`` of the
    other labels' count of the majority label's rows hold, whose two near cells (one value
    without the other) both hold rows and hold the majority label less often than the table:
    ``{"label", "cols", "holds", "rows", "interaction", "z", "cells"}``, ``interaction`` the
    cells' log-odds contrast (the module's docstring) and ``z`` it over its standard error;
    a near cell's blocks of another label's conjunction (``other_blocks``) are left out of the
    reading. Pairs of columns in ``skip`` are left out."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    n_all = len(labels)
    if counts[c] * 2 <= n_all:
        return  # no majority label
    own = labels == c
    m_all, share = int(counts[c]), counts[c] / n_all
    cap = int(COVER_SHARE * (n_all - counts[c]))
    if cap < min_rows:
        return
    for a, b in combinations(columns, 2):
        if skip and (a, b) in skip:
            continue
        width = int(codes[:, b].max()) + 1
        key = codes[:, a] * width + codes[:, b]
        size = (int(codes[:, a].max()) + 1) * width
        n_h = np.bincount(key, minlength=size)
        m_h = np.bincount(key[own], minlength=size)
        cand = np.flatnonzero((m_h >= min_rows) & (m_h <= cap))
        if not len(cand):
            continue
        n_a = np.bincount(codes[:, a], minlength=size // width)[cand // width]
        m_a = np.bincount(codes[own, a], minlength=size // width)[cand // width]
        n_b = np.bincount(codes[:, b], minlength=width)[cand % width]
        m_b = np.bincount(codes[own, b], minlength=width)[cand % width]
        nh, mh = n_h[cand], m_h[cand]
        # near cell a: rows holding b's value without a's; near cell b: a's without b's
        na, ma, nb, mb = n_b - nh, m_b - mh, n_a - nh, m_a - mh
        nr, mr = n_all - n_a - n_b + nh, m_all - m_a - m_b + mh
        lean = (na > 0) & (nb > 0) & (ma < share * na) & (mb < share * nb) & (nr > mr)
        inter = _lo(mh, nh) - _lo(ma, na) - _lo(mb, nb) + _lo(mr, nr)
        z = inter / np.sqrt(_var(mh, nh) + _var(ma, na) + _var(mb, nb) + _var(mr, nr))
        for i in np.flatnonzero(lean & (inter > 0)):
            u, v = int(cand[i] // width), int(cand[i] % width)
            drop = (other_blocks(codes, own, (b, v), a, min_rows)
                    | other_blocks(codes, own, (a, u), b, min_rows))
            if drop.any():  # read again without another label's blocks in the near cells
                n4, m4 = _four(codes, own, ~drop, a, u, b, v)
                if not (n4[1] and n4[2] and m4[1] < share * n4[1] and m4[2] < share * n4[2]):
                    continue
                inter[i] = _lo(m4[0], n4[0]) - _lo(m4[1], n4[1]) - _lo(m4[2], n4[2]) \
                    + _lo(m4[3], n4[3])
                z[i] = inter[i] / np.sqrt(sum(_var(m4[k], n4[k]) for k in range(4)))
                if inter[i] <= 0:
                    continue
            yield {"label": c, "cols": (a, b), "holds": key == cand[i], "rows": int(mh[i]),
                   "interaction": float(inter[i]), "z": float(z[i]),
                   "cells": [(int(nh[i]), int(mh[i])), (int(na[i]), int(ma[i])),
                             (int(nb[i]), int(mb[i])), (int(nr[i]), int(mr[i]))]}
