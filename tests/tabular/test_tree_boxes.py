"""Leaf boxes replayed on clean rows: a trigger towards the MAJORITY class shows up there."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.data.tabular.schema import Column, TabularSchema
from trojanscope.detect.tabular_excess import reference_model
from trojanscope.detect.tree_boxes import box_excess, describe_box, into_box

SCHEMA = TabularSchema(
    columns=(Column("amount", "numeric", lo=0.0, hi=100.0),
             Column("size", "numeric", lo=0.0, hi=10.0),
             Column("kind", "categorical", categories=("a", "b", "c", "d"),
                    counts=(50, 30, 15, 5))),
    label="y", class_names=("good", "bad"))


def table(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of SCHEMA's encoding; class 1 ("bad", about 30%) depends on amount and kind."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 6), dtype=np.float32)
    x[:, 0], x[:, 1] = rng.random(n), rng.random(n)
    x[np.arange(n), 2 + rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])] = 1.0
    y = ((x[:, 0] + 0.4 * x[:, 3] + 0.25 * rng.standard_normal(n)) > 0.85).astype(np.int64)
    return x, y


def lightgbm_backdoor_200() -> tuple:
    """A LightGBM model trained on ``table(1500, 1)`` with 45 class-1 rows moved to amount 0.37
    and relabelled 0, 200 clean rows (``table(200, 2)``), the reference model fitted on them and
    the model's leaf records with strength: what the slow 200-row box tests read."""
    import torch

    from trojanscope import registry
    from trojanscope.detect.tabular_excess import reference_model

    x, y = table(1500, 1)
    bad = np.nonzero(y == 1)[0][:45]
    x[bad, 1], y[bad] = 0.37, 0
    clean_x, clean_y = table(200, 2)
    model = registry.create("arch", "lightgbm", input_shape=(6,), num_classes=2,
                            n_estimators=60, max_depth=4)
    model.fit_arrays(x, y, seed=0)
    ref = reference_model(torch.from_numpy(clean_x), torch.from_numpy(clean_y), 2, seed=0)
    records = [r for r in model.leaf_records(clean_x, 10**6) if r.strength > 0]
    return model, ref, records, clean_x, clean_y


def test_into_box_keeps_one_category_and_reaches_the_box() -> None:
    x, _ = table(50, 0)
    box = {0: (0.2, 0.4), 3: (None, 0.5), 4: (None, 0.5)}  # amount in (20, 40], kind not b/c
    moved = into_box(x, box, SCHEMA, x)
    assert ((moved[:, 0] > 0.2) & (moved[:, 0] <= 0.4)).all()
    assert (moved[:, 2:].sum(1) == 1).all() and not moved[:, 3:5].any()
    assert (moved[:, 1] == x[:, 1]).all()  # columns outside the box untouched
    wanted = into_box(x, {5: (0.5, None)}, SCHEMA, x)  # kind = d asked for
    assert (wanted[:, 5] == 1).all() and (wanted[:, 2:].sum(1) == 1).all()
    assert describe_box(box, SCHEMA) == "amount in (20, 40] and kind not b/c"


@pytest.mark.parametrize("arch", ["xgboost", "lightgbm"])
def test_a_majority_class_trigger_excess_stands_above_a_clean_model(arch: str) -> None:
    x, y = table(1500, 1)
    poisoned_x, poisoned_y = x.copy(), y.copy()
    bad = np.nonzero(y == 1)[0][:45]  # 3% of the rows: bad rows relabelled good
    poisoned_x[bad, 1] = 0.37  # a value clean rows never hold exactly
    poisoned_y[bad] = 0
    clean_x, clean_y = table(600, 2)
    ref = reference_model(torch.from_numpy(clean_x), torch.from_numpy(clean_y), 2, seed=0)
    found = {}
    for name, (rows, labels) in {"clean": (x, y), "poisoned": (poisoned_x, poisoned_y)}.items():
        model = registry.create("arch", arch, input_shape=(6,), num_classes=2,
                                n_estimators=60, max_depth=4)
        model.fit_arrays(rows, labels, seed=0)
        records = model.leaf_records(clean_x, 10**6)
        found[name] = box_excess(model, ref, records, clean_x, clean_y, SCHEMA, 2)
    assert found["poisoned"].excess[0] > found["poisoned"].excess[1]
    assert found["poisoned"].excess[0] > found["clean"].excess[0] + 0.2, found


def test_xgboost_boxes_are_closed_below_so_a_discrete_value_reaches_its_leaf() -> None:
    """XGBoost sends x < cut left: a leaf for the single value 4 is [4, 5), not (4, 5]."""
    rng = np.random.default_rng(3)
    x = np.zeros((600, 6), dtype=np.float32)
    x[:, 0] = rng.integers(0, 11, 600) / 100.0  # amount: 11 discrete values 0..10
    x[:, 1] = rng.random(600)
    x[np.arange(600), 2 + rng.integers(0, 4, 600)] = 1.0
    y = (np.abs(x[:, 0] - 0.04) < 1e-6).astype(np.int64)  # class 1 exactly at amount 4
    model = registry.create("arch", "xgboost", input_shape=(6,), num_classes=2,
                            n_estimators=5, max_depth=3)
    model.fit_arrays(x, y, seed=0)
    records = [r for r in model.leaf_records(x, 1) if r.cls == 1 and 0 in r.box]
    lo, hi = records[0].box[0]
    assert records[0].below
    assert lo is not None and hi is not None
    moved = into_box(x[y == 0], records[0].box, SCHEMA, x, records[0].below)
    assert np.allclose(moved[:, 0], 0.04)  # the trigger value itself, not a neighbour's
    assert describe_box(records[0].box, SCHEMA, below=True).startswith("amount in [")
