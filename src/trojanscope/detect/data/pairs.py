"""All-to-all poison pairs: which (source, target) pairs of classes the flags already point at.

All-to-all poison relabels the carriers of each source class to one target class. A carrier
still looks like its source, so its *twin class* (:func:`~.neighbours.outside_twin`: the label
most of its nearest neighbours outside its own class share) is the source, and the flags a
detector raises in a target class mostly share one twin. Clean samples flagged by chance are
natural confusions spread over several twins. On issue 13's development all-to-all sets
(stop 41) the pair holding the largest share of a target class's flags held 0.47-1.00 of them
where it was a poison pair and at most 0.26 where it was not; 14-54 flagged samples on a
poison pair, at most 9 on any other.
"""

from __future__ import annotations

import numpy as np

PAIR_SHARE = 1 / 3  # a pair holding at least this share of its class's flags is poison's
PAIR_MIN = 10  # and at least this many flags (the verdict's BOTH_MIN: 3 of 4 is chance)


def poison_pairs(twin: np.ndarray, labels: np.ndarray, flagged: np.ndarray,
                 num_classes: int) -> np.ndarray:
    """A (twin, label) boolean matrix: the pairs that hold at least ``PAIR_SHARE`` of their
    label's flagged samples (``flagged``: a boolean mask) and at least ``PAIR_MIN`` of them;
    never a class with itself."""
    counts = np.zeros((num_classes, num_classes))
    np.add.at(counts, (twin[flagged], labels[flagged]), 1)
    share = counts / np.maximum(counts.sum(0, keepdims=True), 1)
    pairs = (share >= PAIR_SHARE) & (counts >= PAIR_MIN)
    np.fill_diagonal(pairs, False)
    return pairs


def pair_members(twin: np.ndarray, labels: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Per sample: whether its (twin, label) is one of ``pairs``."""
    return pairs[twin, labels]
