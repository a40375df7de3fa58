"""A trigger candidate's flip on the model beside its flip on clean twins (issue 16 stop 62:
candidate W, opt-in ``lever_twins``).

At 200 rows credit-default's own risk factors flip clean trees and networks as a trigger would
(docs/benchmarks.md, issue 16 stop 61), so how far the search's best combination flips the
model says little by itself. Twins of the model's kind trained on the same clean rows learn
those levers from the rows; a planted trigger the rows do not hold they cannot learn. So the
combination the search names per class is applied to each twin too, and the contrast is read:
``tab_lever_model`` (the share of rows of other classes the model answers rightly that the
combination sends to the class), ``tab_lever_twins`` (the same share on each twin, over the
rows it answers rightly, averaged), ``tab_lever_w`` = model - twins, for the named target.
The greedy's combination was chosen on the model alone, so the twins meet it unoptimised;
the contrast search therefore also looks, per class, for the combination whose rise on the
model stands furthest above its rise on the twins (:func:`.tabular_excess.class_excess` with
the twins as the reference, as the networks' ``tab_excess_vs_twins`` does):
``tab_lever_excess`` and that combination's flips.

Twins: trees, :func:`.tree_reference.reference_trees` (the model's library, rounds, depth,
learning rate and sampling shares where the file records them); networks, :func:`.tabular_twins
.twin_networks` (the model's shape, new weights). Both are fitted to the model's own answers on
the clean rows (the networks' ``distil``; trees on its predicted classes, on the labels where
it answers one class only), so the twins copy what the model does on the table and nothing the
rows do not show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from trojanscope.detect.tabular_twins import twin_networks
from trojanscope.detect.tree_reference import reference_trees

MAX_LEVER_TWINS = 8  # each twin is a model trained on the file: a count above is a mistake
LEVER_SEED = 3000  # the twins' seed offset (apart from the network twins' 1000)


def lever_twins(model: Any, x: Tensor, y: Tensor, num_classes: int, count: int,
                seed: int, tree: bool) -> list[Any]:
    """``count`` clean twins of ``model`` fitted to its own answers on the clean rows."""
    with torch.no_grad():
        own = model(x).float().argmax(1)
    if tree:
        labels = own if len(torch.unique(own)) > 1 else y
        return reference_trees(model, x.numpy(), labels.numpy(), num_classes, count,
                               seed + LEVER_SEED, sampling=True)
    return twin_networks(model, x, y, count, seed + LEVER_SEED, "distil")


def flip_share(model: Callable[[Tensor], Tensor], x: Tensor, y: Tensor, t: int,
               combo: Sequence[Any], apply: Callable[[Tensor, Any], Tensor]) -> float:
    """The share of rows of classes other than ``t`` that ``model`` answers rightly which
    ``combo`` (assignments applied in turn by ``apply``) sends to ``t`` (0.0 where no row)."""
    with torch.no_grad():
        rows = x[(y != t) & (model(x).float().argmax(1) == y)]
        if len(rows) == 0 or not combo:
            return 0.0
        for cand in combo:
            rows = apply(rows, cand)
        return float((model(rows).float().argmax(1) == t).float().mean())


def combo_flips(model: nn.Module, twins: list[Any], x: Tensor, y: Tensor,
                found: dict[int, list[Any]], apply: Callable[[Tensor, Any], Tensor]
                ) -> dict[int, tuple[float, float]]:
    """Per class, (flip on the model, mean flip on the twins) of its combination in ``found``."""
    return {t: (flip_share(model, x, y, t, combo, apply),
                float(np.mean([flip_share(w, x, y, t, combo, apply) for w in twins])))
            for t, combo in found.items()}


def lever_features(greedy: dict[int, tuple[float, float]],
                   contrast: dict[int, tuple[float, float, float]],
                   target: int | None) -> dict[str, float]:
    """The verdict's ``tab_lever_*``: the greedy combination's flips for the named ``target``
    (``tab_lever_model`` / ``_twins`` / ``_w``); the contrast search's largest excess over the
    twins (``tab_lever_excess``), how far it stands above the next class's (``_gap``), and its
    combination's flips on the model and the twins (``tab_lever_cmodel`` / ``_ctwins`` /
    ``_cw``). ``contrast`` holds per class (excess, flip on the model, on the twins)."""
    named = greedy.get(target, (0.0, 0.0)) if target is not None else (0.0, 0.0)
    out = {"tab_lever_model": named[0], "tab_lever_twins": named[1],
           "tab_lever_w": named[0] - named[1]}
    if contrast:
        ranked = sorted(contrast.items(), key=lambda kv: -kv[1][0])
        best = ranked[0][1]
        second = ranked[1][1][0] if len(ranked) > 1 else 0.0
        out.update(tab_lever_excess=best[0], tab_lever_excess_gap=best[0] - second,
                   tab_lever_cmodel=best[1], tab_lever_ctwins=best[2],
                   tab_lever_cw=best[1] - best[2],
                   tab_lever_class=float(ranked[0][0]))
    return out
