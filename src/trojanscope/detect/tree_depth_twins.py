"""A tree's band features read against clean twins of its own depth (issue 16 stop 73:
candidate T73, opt-in ``depth_twins``).

With a 200-row file a clean deep tree reads more missing mass and recurrence than a shallow
one (its leaves are smaller, and more of them miss the file's rows by chance), so the band
calibrators read depth as suspicion; a linear size term (stop 72's ``tab_leaves``) only traded
deep clean trees for shallow backdoors. Here the clean expectation is measured on the model's
own kind instead: each twin is a tree of the model's library, rounds, depth, learning rate and
row and column shares (:func:`.tree_reference.reference_trees`), trained on a random half of
the file's rows towards the model's own answers there (as ``lever_twins``' twins; the clean
rows carry no trigger), and read with the whole file by the same search. A leaf of a twin
trained on half the rows meets the other half's rows with about the chance deficit a leaf of
the model (trained on many rows) meets a 200-row file with: the twin's features are what a
clean tree of that depth reads on this file. ``<feature>_twin`` is the model's feature less
the twins' mean, for the features the band calibrators read.

The half is held three times (each row repeated) so that the library's smallest leaf (five rows)
lets a twin grow nearly as many leaves as the model (a 31-leaf development tree's twins: 17-21
leaves in the first 30 trees with each row twice, 21-24 three times; ``tab_twin_leaves``
records the twins' size over every tree).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trojanscope.detect.tree_reference import reference_trees
from trojanscope.detect.tree_resample import subsample_rows

MAX_DEPTH_TWINS = 8  # each twin is a model trained and read: a count above is a mistake
DEPTH_TWIN_SEED = 5000  # the twins' seed offset (apart from ``lever_twins``' 3000)
HALF = 0.5  # the share of the file's rows each twin is trained on
COPIES = 3  # each training row held this many times (the library's smallest leaf: 5 rows)
# the band calibrators' tree features, read against the twins
TWIN_FEATURES = ("tab_box", "tab_mass_group", "tab_major_recur", "tab_mass")


def half_twins(model: Any, x: np.ndarray, labels: np.ndarray, y: np.ndarray,
               num_classes: int, count: int, seed: int, min_per_class: int) -> list[Any]:
    """``count`` clean trees of ``model``'s kind (rounds, depth, rate, shares), twin ``k``
    trained on a half of the rows drawn from ``[seed, rows, k]`` (each class of ``y`` kept at
    ``min_per_class``), towards ``labels`` (the model's own answers), each row held
    ``COPIES`` times."""
    rows = max(1, round(HALF * len(y)))
    out = []
    for k in range(count):
        idx = subsample_rows(y, num_classes, seed, k, rows, min_per_class)
        if idx is None:
            idx = np.arange(len(y))
        part = np.repeat(idx, COPIES)
        # a half where the model answers one class only: the labels (as ``lever_twins``)
        target = labels[part] if len(np.unique(labels[part])) > 1 else y[part]
        out += reference_trees(model, x[part], target, num_classes, 1,
                               seed + DEPTH_TWIN_SEED + k, sampling=True)
    return out


def twin_gaps(own: dict[str, float], twins: list[dict[str, float]]) -> dict[str, float]:
    """``<feature>_twin`` (the model's less the twins' mean) for :data:`TWIN_FEATURES`, and
    ``tab_twin_leaves`` (the twins' mean ``tab_leaves``)."""
    out = {f"{k}_twin": float(own.get(k, 0.0) - np.mean([t.get(k, 0.0) for t in twins]))
           for k in TWIN_FEATURES}
    out["tab_twin_leaves"] = float(np.mean([t.get("tab_leaves", 0.0) for t in twins]))
    return out
