"""Whether ``label-groups`` can read poison towards a table's majority label at all (issue 9,
stop 81 hcmd).

Three screens read poison relabelled to the majority label (``deficit``, ``covers``,
``leans``); each reads groups of ``min_rows`` rows up to a tenth of the *other* labels' rows
(``COVER_SHARE``: dirty-label poison is drawn from them). A fraud table with a few dozen fraud
rows leaves that range empty, and the value screens read a value's rows against the label's
share: at 90% a value all of whose 10 rows carry the label is what chance gives a third of
the time. Stop 80's seed-390 fraud table (``copies=10`` towards "not fraud", 28 rows of the
fraud label) was read so: the flags fell on another label's rows and precision and recall
were 0, with no word that the target label could not be read. This says so, from the labels
alone (no flag, score or default moves).
"""

from __future__ import annotations

import math

import numpy as np

from trojanscope.detect.data.label_covers import COVER_SHARE

CHANCE = 0.01  # "stands out from chance": a value's rows all of the label at most this often


def majority_unread(labels: np.ndarray, min_rows: int) -> str | None:
    """The note where the majority-label screens read nothing on this table (their cap, a
    tenth of the other labels' rows, under ``min_rows``); ``None`` otherwise."""
    counts = np.bincount(np.asarray(labels, np.int64))
    n, c = int(counts.sum()), int(counts.argmax())
    others = n - int(counts[c])
    cap = int(COVER_SHARE * others)
    if not others or counts[c] * 2 <= n or cap >= min_rows:
        return None
    share = counts[c] / n
    need = math.ceil(math.log(CHANCE) / math.log(share))
    return (f"label {c} holds {share:.1%} of the {n} rows ({others} of other labels): poison "
            f"relabelled to label {c} is hardly read in this table. The screens built for it "
            f"(deficit, covers, leans) read groups of {min_rows} rows up to a tenth of the other "
            f"labels' rows, {cap} here, so they read nothing; and a value whose rows all carry "
            f"label {c} stands out from chance (under {CHANCE:.0%}) only from {need} rows. "
            f"An empty answer or flags of other labels say nothing of label {c}")
