"""Clean reference trees: a tree's suspicion set against clean trees of its own kind.

The tree calibrators' features (how easily a value search flips clean rows, ``tab_score``;
the ensemble's response in the boxes of leaves clean rows miss, ``tab_box``) have a scale that
depends on the table: on ``lending-club`` (5% defaults) clean LightGBM models flip every
searched row with one value, on ``credit-default`` none does (docs/benchmarks.md, issue 16,
``tab-fresh6``). Trees train in about a second, so the detector trains a few clean models of
the inspected model's library and size (rounds, depth, learning rate read from the model) on
the user's clean rows, computes the same features on them, and records the model's features
minus the references' mean: a clean model sits near 0 whatever the table, a backdoor above.

A model may grow each tree on a sample of the rows and columns (XGBoost ``subsample`` /
``colsample_bytree``, LightGBM ``bagging_fraction`` / ``feature_fraction``); with
``sampling=True`` the references copy the shares the model records (:func:`sampling_of`), so
that a sampled model is set against sampled twins (issue 16 stop 34; opt-in, measured in
docs/benchmarks.md).
"""

from __future__ import annotations

import json
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


def sampling_of(model: Any) -> dict[str, float]:
    """The shares of rows and columns ``model``'s trees were grown on, where recorded: the
    model's own ``subsample`` / ``colsample`` (a trojanscope model: its manifest), else a
    LightGBM booster's parameters (its text file records them; bagging only counts with
    ``bagging_freq`` > 0), else an XGBoost booster's training configuration (held in memory
    after training; a saved JSON model does not keep it, so a loaded file gives 1.0)."""
    base = getattr(model, "inner", model)
    own = {"subsample": float(getattr(base, "subsample", 1.0)),
           "colsample": float(getattr(base, "colsample", 1.0))}
    if own["subsample"] < 1.0 or own["colsample"] < 1.0:
        return own
    booster = getattr(base, "booster", None)
    if booster is None:
        return own
    if base.library == "lightgbm":
        params = getattr(booster, "params", None) or {}
        bagged = int(params.get("bagging_freq", 0) or 0) > 0
        return {"subsample": _share(params.get("bagging_fraction")) if bagged else 1.0,
                "colsample": _share(params.get("feature_fraction"))}
    train = json.loads(booster.save_config())["learner"]["gradient_booster"]
    train = train.get("tree_train_param") or train.get("gbtree", {}).get("tree_train_param", {})
    return {"subsample": _share(train.get("subsample")),
            "colsample": _share(train.get("colsample_bytree"))}


def _share(value: Any) -> float:
    """A recorded share as a float in (0, 1]; anything else (absent, unreadable) is 1.0."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        return 1.0
    return share if 0.0 < share <= 1.0 else 1.0


def reference_trees(model: Any, x: np.ndarray, y: np.ndarray, num_classes: int,
                    count: int, seed: int, sampling: bool = False) -> list[TreeModel]:
    """``count`` clean models of ``model``'s library and size trained on ``x``, ``y`` with
    seeds ``seed``, ``seed + 1``, ...; with ``sampling`` grown on the row and column shares
    the model records (:func:`sampling_of`), else on every row and column."""
    base = getattr(model, "inner", model)  # a user's model: the booster it wraps
    cls = XGBoostModel if base.library == "xgboost" else LightGBMModel
    size = dict(n_estimators=max(1, min(rounds_of(base), 1000)),
                max_depth=int(getattr(base, "max_depth", 6)),
                learning_rate=float(getattr(base, "learning_rate", 0.1)),
                **(sampling_of(base) if sampling else {}))
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
