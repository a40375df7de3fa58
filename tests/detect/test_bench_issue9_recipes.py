"""Issue 9's eighth round: ``benchmarks/foreign_zoo.py --recipes`` (the blind-spot recipes) and
``benchmarks/scale_free.py``'s candidate features."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from torch import nn

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def load(name: str):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_recipes_population_draws_the_blind_spot_recipes() -> None:
    zoo = load("foreign_zoo")
    rows = zoo.plan(10, 15, recipes=True)
    assert len(rows) == sum(zoo.RECIPES_ARCH.values()) == 26
    assert {r["trigger_family"] for r in rows if r["backdoored"]} == set(zoo.RECIPES_TRIGGERS)
    recipes = [r["recipe"] for r in rows]
    assert {r["label_smoothing"] for r in recipes} <= {0.0, 0.1, 0.15, 0.2}
    assert sum(r["optim"] == "sgd" for r in recipes) >= len(rows) // 3
    assert sum(r["schedule"] == "cosine" for r in recipes) >= len(rows) // 3
    model, details = zoo.build("relu_mlp", np.random.default_rng(0))
    assert details == {"activation": "ReLU"}
    assert not any(isinstance(m, nn.Tanh) for m in model.modules())


def test_holdout3_plan_unchanged_by_the_recipes_mode() -> None:
    """The committed zoo-holdout3 rows carry the recipes the plan draws (seed 13)."""
    zoo = load("foreign_zoo")
    committed = json.loads(gzip.decompress(
        (BENCH / "data/issue9_rows/holdout3_rows_pool.json.gz").read_bytes()))
    planned = {r["name"]: r["recipe"] for r in zoo.plan(10, 13, holdout3=True)}
    assert len(committed) == 28
    for row in committed:
        assert {**row["train_recipe"]} == {"optim": "adam", "label_smoothing": 0.0,
                                           **planned[row["name"]]}


def test_scale_free_features_ignore_the_logit_scale() -> None:
    sf = load("scale_free")
    rng = np.random.default_rng(0)
    hits = rng.random((10, 40))
    row = {"margin": list(rng.random(10) * 5), "mean_margin": list(rng.random(10) * 3),
           "margin5": list(rng.random(10)), "logit_std": 2.0,
           "probe": {"eps50": list(rng.random(10)), "ts_norms": list(rng.random(10) * 50),
                     "uap_hits": hits.tolist()}}
    scaled = {**row, "margin": [3 * v for v in row["margin"]],
              "mean_margin": [3 * v for v in row["mean_margin"]],
              "margin5": [3 * v for v in row["margin5"]], "logit_std": 6.0}
    a, b = sf.scale_free_features(row), sf.scale_free_features(scaled)
    assert a.keys() == b.keys() and "sf_share_top" in a and "sf_rank_consensus" in a
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), key
    assert a["sf_share_top"] == pytest.approx(float(hits.mean(1).max()))
