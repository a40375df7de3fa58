"""A tree's features averaged over bootstrap resamples of the clean file (issue 16 stop 45).

At 200 rows a clean credit-default tree's calibrated p moved by up to ~0.8 from one 200-row
file of the table to another (stop 44), while the search's own seed moved it by ≤ 0.01: the
spread is the rows'. ``tab_box`` (a maximum over the means of a few box excesses) and the
mass deficits are step functions of which rows fall in which leaf, so a bagged estimate — the
mean of each feature over the file and ``count`` resamples of it, each of the file's size
drawn with replacement from the seed — is the steadier reading of the same quantity. The
resamples keep the file's size (the band calibrators were fitted at 200 rows), and every
class keeps the detector's minimum of rows.

Since issue 16 stop 63 the resamples can instead be subsamples without replacement (a share
of the file's rows: a bootstrap's repeated rows read as concentrated leaves and raised clean
credit-default trees' p, 0.40 -> 0.69-0.97 on a development zoo) and the features their
median rather than their mean (``resample_share``, ``resample_stat``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MAX_TRIES = 100
# asked for and not done, said in the verdict's notes rather than dropped (as ``twin_order``'s,
# review hR5; review of stop 45)
UNREAD = ("tree_resamples={k} not read: it averages a tree model's features over resamples of "
          "the clean file, and this is a network (read once, from the file)")
SHORT = ("tree_resamples={k}: {got} resample(s) read (no draw of the others kept at least {m} "
         "rows of each class the file holds at least {m} of)")


def bootstrap_rows(y: np.ndarray, num_classes: int, seed: int, k: int,
                   min_per_class: int) -> np.ndarray | None:
    """Row indices of resample ``k``: ``len(y)`` rows drawn with replacement from the seed
    ``[seed, k, attempt]``, redrawn while a class present in ``y`` holds fewer than
    ``min_per_class`` rows (``None`` after :data:`MAX_TRIES` draws)."""
    n = len(y)
    return kept_draw(y, num_classes, min_per_class, lambda attempt: np.random.default_rng(
        [seed, k, attempt]).integers(0, n, size=n))


def subsample_rows(y: np.ndarray, num_classes: int, seed: int, k: int, rows: int,
                   min_per_class: int) -> np.ndarray | None:
    """Row indices of subsample ``k``: ``rows`` of ``y``'s rows without replacement (sorted)
    from the seed ``[seed, rows, k, attempt]``, redrawn while a class present in ``y`` holds
    fewer than ``min_per_class`` rows (``None`` after :data:`MAX_TRIES` draws)."""
    return kept_draw(y, num_classes, min_per_class, lambda attempt: np.random.default_rng(
        [seed, rows, k, attempt]).choice(len(y), size=min(rows, len(y)), replace=False))


def kept_draw(y: np.ndarray, num_classes: int, min_per_class: int,
              draw: Callable[[int], np.ndarray]) -> np.ndarray | None:
    """The first of ``draw(0)``, ``draw(1)``, ... (sorted) in which every class that ``y``
    holds at least ``min_per_class`` rows of keeps that many (``None`` after
    :data:`MAX_TRIES` draws): the resamples' one redraw rule."""
    present = np.bincount(y, minlength=num_classes) >= min_per_class
    for attempt in range(MAX_TRIES):
        idx = np.sort(draw(attempt))
        if np.all(np.bincount(y[idx], minlength=num_classes)[present] >= min_per_class):
            return idx
    return None


def pooled_features(readings: list[dict[str, float]],
                    stat: Callable[[list[float]], float]) -> dict[str, float]:
    """Per feature ``stat`` over the readings that hold it (the first reading's keys)."""
    return {k: float(stat([r[k] for r in readings if k in r])) for k in readings[0]}


def median_features(readings: list[dict[str, float]]) -> dict[str, float]:
    """Per feature the median over the readings that hold it (the first reading's keys)."""
    return pooled_features(readings, np.median)


def mean_features(readings: list[dict[str, float]]) -> dict[str, float]:
    """Per feature the mean over the readings that hold it (the first reading's keys)."""
    return pooled_features(readings, np.mean)
