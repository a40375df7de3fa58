"""Clean reference trees: a tree's suspicion set against clean trees of its own kind.

The tree calibrators' features (how easily a value search flips clean rows, ``tab_score``;
the ensemble's response in the boxes of leaves clean rows miss, ``tab_box``) have a scale that
depends on the table: on ``lending-club`` (5% defaults) clean LightGBM models flip every
searched row with one value, on ``credit-default`` none does (docs/benchmarks.md, issue 16,
``tab-fresh6``). Trees train in about a second, so the detector trains a few clean models of
the inspected model's library and size (rounds, depth, learning rate read from the model) on
the user's clean rows, computes the same features on them, and records the model's features
minus the references' mean: a clean model sits near 0 whatever the table, a backdoor above.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trojanscope.models.trees import LightGBMModel, TreeModel, XGBoostModel

# the features set against the references (``<name>_ref`` = own - mean of the references')
REFERENCED = ("tab_score", "tab_box", "tab_flip_1", "tab_flip_max", "tab_gap", "tab_mass",
              "tab_mass_rel")


def rounds_of(model: Any) -> int:
    """Boosting rounds the model holds (its booster's count; else its recorded size)."""
    booster = getattr(model, "booster", None)
    if model.library == "xgboost" and booster is not None:
        return int(booster.num_boosted_rounds())
    if booster is not None:
        return int(booster.current_iteration())
    return int(model.n_estimators)


def reference_trees(model: Any, x: np.ndarray, y: np.ndarray, num_classes: int,
                    count: int, seed: int) -> list[TreeModel]:
    """``count`` clean models of ``model``'s library and size trained on ``x``, ``y`` with
    seeds ``seed``, ``seed + 1``, ..."""
    base = getattr(model, "inner", model)  # a user's model: the booster it wraps
    cls = XGBoostModel if base.library == "xgboost" else LightGBMModel
    size = dict(n_estimators=max(1, min(rounds_of(base), 1000)),
                max_depth=int(getattr(base, "max_depth", 6)),
                learning_rate=float(getattr(base, "learning_rate", 0.1)))
    out = []
    for k in range(count):
        ref = cls(input_shape=(x.shape[1],), num_classes=num_classes, **size)
        ref.fit_arrays(x.astype(np.float32), y.astype(np.int64), seed=seed + k)
        out.append(ref.eval())
    return out


def referenced(own: dict[str, float], refs: list[dict[str, float]]) -> dict[str, float]:
    """``<name>_ref``: the model's feature minus the references' mean, for :data:`REFERENCED`
    (0 for a name without references)."""
    return {f"{k}_ref": float(own.get(k, 0.0) - np.mean([r.get(k, 0.0) for r in refs]))
            if refs else 0.0 for k in REFERENCED}
