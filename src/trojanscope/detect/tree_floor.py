"""A per-table clean floor for the box term: what the model's ordinary leaves give anyway.

``tab_box`` (:mod:`.tree_boxes`) has a scale that depends on the table: the clean LightGBM
models of the development zoos reach 0.35 on ``credit-default`` and 0.90 on ``lending-club``
(docs/benchmarks.md, issue 16 stop 31c), so a calibrator fitted on both tables cannot tell a
credit-default backdoor at 0.5 from a clean lending-club model at 0.5; only how far the box
response rises above what this table gives counts. The detector knows the table only
through the user's clean rows (``--data``), and the model itself: so the floor is the same
model's response, scored the same way, in the boxes of leaves that hold no poison — leaves
of the class that the clean rows reach at least as often as the training rows did (a
poison leaf is one they miss), of the same size as the leaves ``tab_box`` replays (stop 32b:
drawn at random instead, a large ordinary leaf's wide box moved rows too little and a clean
model's floor stayed under its box). On lending-club the minority rows the model gets right are
borderline, and any majority-class box flips them, poison or not; on credit-default a
clean model's ordinary boxes move them less than a trigger's box does. (A floor from clean
trees trained on half of the clean rows was tried first: on lending-club such trees give
every row the majority class and their floor is 0 where the models' is 0.4-0.9, stop 32.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.detect.tree_boxes import Replay, leaf_excess, most_missed, replay_rows


def control_floor(
    model: Any,
    ref: nn.Module,
    records: list[Any],
    x: np.ndarray,
    y: np.ndarray,
    schema: TabularSchema,
    num_classes: int,
    rows: int = 100,
    top: int = 10,
    mean_of: int = 3,
    replay: Replay | None = None,
) -> np.ndarray:
    """Per class, the box excess of the model's *ordinary* leaves: among ``records`` of the
    class that the clean rows ``x`` reach at least as often as the training rows did (no
    deficit), the ``top`` whose training share is nearest (in log) to the mean share of the
    class's ``top`` deficit leaves — leaves of the same size as those ``tab_box`` replays, a
    small leaf's box being narrower and moving rows more — scored as
    :func:`.tree_boxes.box_excess` scores the deficit leaves (against the logistic ``ref``).
    Every class's leaves are replayed in one pass over the rows of ``replay`` (those of
    ``tab_box``; computed here when not given): each class only into its own boxes."""
    chosen = ordinary_leaves(records, len(x), num_classes, top)
    if not chosen:
        return np.zeros(num_classes)
    replay = replay or replay_rows(model, ref, x, y, num_classes, rows)
    return leaf_excess(model, ref, chosen, x, schema, num_classes, mean_of, replay).excess


def ordinary_leaves(
    records: list[Any], n: int, num_classes: int, top: int = 10
) -> dict[int, list[Any]]:
    """Per class, the ``top`` ordinary leaves :func:`control_floor` replays, in its order: of
    the class's leaves with a box that ``n`` clean rows reach at least as often as the
    training rows did, those nearest in log training share to the mean share of the class's
    ``top`` deficit leaves (classes without deficit or ordinary leaves are left out)."""
    chosen = {}
    for c in range(num_classes):
        own = [r for r in records if r.cls == c and r.box]
        missed = most_missed(own, c, n, top)
        ordinary = [r for r in own if r.clean >= r.train]
        if not missed or not ordinary:
            continue
        size = np.log(max(float(np.mean([r.train for r in missed])), 1e-12))
        near = sorted(ordinary, key=lambda r: abs(np.log(max(r.train, 1e-12)) - size))
        # the ``top`` nearest in size, in the order box_excess would replay them (by
        # deficit, 0 for every ordinary leaf: the sort is stable, so nearest first)
        chosen[c] = most_missed(near[:top], c, n, top)
    return chosen


def over_floor(box: np.ndarray | None, floor: np.ndarray, major: int) -> dict[str, float]:
    """``tab_box_over`` (the largest ``box - floor`` over the classes, at least 0),
    ``tab_major_box_over`` (the majority class's) and ``tab_major_box_floor`` (its floor);
    0 without boxes (networks)."""
    if box is None:
        return {"tab_box_over": 0.0, "tab_major_box_over": 0.0, "tab_major_box_floor": 0.0}
    over = np.maximum(0.0, np.asarray(box) - floor)
    return {
        "tab_box_over": float(over.max()),
        "tab_major_box_over": float(over[major]),
        "tab_major_box_floor": float(floor[major]),
    }
