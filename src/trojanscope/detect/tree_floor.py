"""A per-table clean floor for the box term: what the model's ordinary leaves give anyway.

``tab_box`` (:mod:`.tree_boxes`) has a scale that depends on the table: the clean LightGBM
models of the development zoos reach 0.35 on ``credit-default`` and 0.90 on ``lending-club``
(docs/benchmarks.md, issue 16 stop 31c), so a calibrator fitted on both tables cannot tell a
credit-default backdoor at 0.5 from a clean lending-club model at 0.5; only how far the box
response rises above what this table gives counts. The detector knows the table only
through the user's clean rows (``--data``), and the model itself: so the floor is the same
model's response, scored the same way, in the boxes of leaves that hold no poison — leaves
of the class that the clean rows reach at least as often as the training rows did (a
poison leaf is one they miss). On lending-club the minority rows the model gets right are
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
from trojanscope.detect.tree_boxes import box_excess


def control_floor(
    model: Any,
    ref: nn.Module,
    records: list[Any],
    x: np.ndarray,
    y: np.ndarray,
    schema: TabularSchema,
    num_classes: int,
    seed: int,
    rows: int = 100,
    top: int = 10,
    mean_of: int = 3,
) -> np.ndarray:
    """Per class, the box excess of the model's *ordinary* leaves: ``top`` leaves of the
    class drawn with ``seed`` among ``records`` that the clean rows ``x`` reach at least as
    often as the training rows did (no deficit), scored as :func:`.tree_boxes.box_excess`
    scores the deficit leaves (against the logistic ``ref``)."""
    ordinary = [r for r in records if r.box and r.clean >= r.train]
    order = np.random.default_rng(seed).permutation(len(ordinary))
    return box_excess(
        model,
        ref,
        [ordinary[i] for i in order],
        x,
        y,
        schema,
        num_classes,
        rows=rows,
        top=top,
        mean_of=mean_of,
    ).excess


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
