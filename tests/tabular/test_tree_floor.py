"""The box term above the table's own floor (issue 16 stop 32): the model's ordinary leaves."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from test_tree_boxes import SCHEMA, table

from trojanscope import registry
from trojanscope.detect.tabular_excess import reference_model
from trojanscope.detect.tabular_search import LEAVES_RANGE
from trojanscope.detect.tree_boxes import box_excess
from trojanscope.detect.tree_floor import control_floor, over_floor
from trojanscope.detect.tree_mass import leaves_per_tree


def test_over_floor_counts_only_the_rise_above_the_floor() -> None:
    feats = over_floor(np.array([0.5, 0.1]), np.array([0.2, 0.3]), major=0)
    assert feats == pytest.approx(
        {"tab_box_over": 0.3, "tab_major_box_over": 0.3, "tab_major_box_floor": 0.2}
    )
    below = over_floor(np.array([0.1, 0.2]), np.array([0.4, 0.3]), major=1)
    assert below["tab_box_over"] == 0.0 and below["tab_major_box_over"] == 0.0
    assert set(over_floor(None, np.zeros(2), 0).values()) == {0.0}


@pytest.mark.parametrize("arch", ["xgboost", "lightgbm"])
def test_a_majority_class_trigger_rises_above_its_own_ordinary_leaves(arch: str) -> None:
    """The floor reads only leaves the clean rows reach as often as the training rows did
    (no poison leaf); a trigger's box rises above it, a clean model's boxes hardly do."""
    x, y = table(1500, 1)
    poisoned_x, poisoned_y = x.copy(), y.copy()
    bad = np.nonzero(y == 1)[0][:45]
    poisoned_x[bad, 1] = 0.37
    poisoned_y[bad] = 0
    clean_x, clean_y = table(600, 2)
    ref = reference_model(torch.from_numpy(clean_x), torch.from_numpy(clean_y), 2, seed=0)
    over = {}
    for name, (rows, labels) in {"clean": (x, y), "poisoned": (poisoned_x, poisoned_y)}.items():
        model = registry.create(
            "arch", arch, input_shape=(6,), num_classes=2, n_estimators=60, max_depth=4
        )
        model.fit_arrays(rows, labels, seed=0)
        records = [r for r in model.leaf_records(clean_x, 10**6) if r.strength > 0]
        box = box_excess(model, ref, records, clean_x, clean_y, SCHEMA, 2).excess
        floor = control_floor(model, ref, records, clean_x, clean_y, SCHEMA, 2)
        over[name] = over_floor(box, floor, major=0)["tab_major_box_over"]
    assert over["poisoned"] > over["clean"] + 0.15, over


def test_the_floor_ignores_what_the_leaves_clean_rows_miss_encode() -> None:
    """Only the missed leaves' sizes count, never their boxes: a poison box there moves
    ``tab_box``, not the floor."""
    x, y = table(800, 3)
    model = registry.create(
        "arch", "lightgbm", input_shape=(6,), num_classes=2, n_estimators=20, max_depth=3
    )
    model.fit_arrays(x, y, seed=0)
    x, y = table(300, 4)  # other rows than the training rows: some leaves get fewer
    records = [r for r in model.leaf_records(x, 10**6) if r.strength > 0]
    ref = reference_model(torch.from_numpy(x), torch.from_numpy(y), 2, seed=0)
    missed = [r for r in records if r.clean < r.train and r.box]
    assert missed
    floor = control_floor(model, ref, records, x, y, SCHEMA, 2)
    trigger = {1: (0.36, 0.38)}  # size = 0.37: the box of a poison leaf
    moved = [replace(r, box=trigger) if r in missed else r for r in records]
    assert np.array_equal(floor, control_floor(model, ref, moved, x, y, SCHEMA, 2))
    assert np.array_equal(control_floor(model, ref, missed, x, y, SCHEMA, 2), np.zeros(2))


@pytest.mark.parametrize("arch", ["xgboost"])
def test_tabular_search_records_the_box_above_its_floor(arch: str, searched) -> None:
    run, verdict = searched(arch, target=0)
    feats = verdict.features
    assert feats["tab_major_box_over"] == pytest.approx(
        max(0.0, feats["tab_major_box"] - feats["tab_major_box_floor"])
    )
    assert feats["tab_box_over"] >= feats["tab_major_box_over"]
    assert feats["tab_major_box_floor"] > 0  # trees: ordinary leaves were replayed
    raw = leaves_per_tree(run.model.leaf_records(run.test.x.numpy(), 10**9))
    assert 1.0 < raw <= 3.0  # 20 rounds of depth 3: at most 8 leaves a tree
    assert feats["tab_leaves"] == pytest.approx(raw)  # XGBoost's as it is (no clip)
    # stop 33: the trigger's bound recurs across trees towards the target (the majority)
    assert feats["tab_major_recur"] > 0 and feats["tab_major_recur_lead"] > 0


def _floor_before(model, ref, records, x, y, num_classes: int) -> np.ndarray:
    """The floor as stop 32b computed it: one :func:`box_excess` call per class on that
    class's ordinary leaves of the deficit leaves' size (each call scored every class)."""
    from trojanscope.detect.tree_mass import deficit

    floor = np.zeros(num_classes)
    for c in range(num_classes):
        own = [r for r in records if r.cls == c and r.box]
        missed = sorted(own, key=lambda r: -deficit(r.train, r.clean, len(x)))[:10]
        ordinary = [r for r in own if r.clean >= r.train]
        if not missed or not ordinary:
            continue
        size = np.log(max(float(np.mean([r.train for r in missed])), 1e-12))
        near = sorted(ordinary, key=lambda r: abs(np.log(max(r.train, 1e-12)) - size))
        floor[c] = box_excess(model, ref, near[:10], x, y, SCHEMA, num_classes).excess[c]
    return floor


class _Counted(torch.nn.Module):
    """A model that counts its forward calls."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model, self.calls = model, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.model(x)


@pytest.mark.parametrize("arch", ["xgboost", "lightgbm"])
def test_the_floor_replays_each_box_once_and_gives_the_same_figures(arch: str) -> None:
    """One pass per verdict (issue 16 stop 33): the rows replayed and their baselines are
    those of ``tab_box``, and each class's ordinary boxes are replayed for that class alone —
    one model call per box, where stop 32b's floor scored every class's rows again for each
    class — and the floor and box are bit-identical to stop 32b's."""
    from trojanscope.detect.tree_boxes import replay_rows

    x, y = table(900, 5)
    model = registry.create(
        "arch", arch, input_shape=(6,), num_classes=2, n_estimators=40, max_depth=4
    )
    model.fit_arrays(x, y, seed=0)
    x, y = table(400, 6)
    records = [r for r in model.leaf_records(x, 10**6) if r.strength > 0]
    ref = reference_model(torch.from_numpy(x), torch.from_numpy(y), 2, seed=0)
    counted = _Counted(model)
    replay = replay_rows(counted, ref, x, y, 2)
    box = box_excess(counted, ref, records, x, y, SCHEMA, 2, replay=replay)
    before = counted.calls
    floor = control_floor(counted, ref, records, x, y, SCHEMA, 2, replay=replay)
    assert counted.calls - before == sum(
        min(10, len([r for r in records if r.cls == c and r.box and r.clean >= r.train]))
        for c in range(2)
    )
    assert floor.any()
    assert np.array_equal(floor, _floor_before(model, ref, records, x, y, 2))
    assert np.array_equal(floor, control_floor(model, ref, records, x, y, SCHEMA, 2))
    assert np.array_equal(box.excess, box_excess(model, ref, records, x, y, SCHEMA, 2).excess)


def test_lightgbm_leaves_are_held_in_its_calibrations_range(transactions) -> None:
    """LightGBM's calibrator reads ``tab_leaves``: a shallow ensemble (at most 4 leaves a tree,
    log2 2 — below the calibration's 2.8) is read at the range's floor."""
    from trojanscope.attacks.tabular import TabularBadNets
    from trojanscope.experiment import run_experiment

    run = run_experiment(transactions, attack=TabularBadNets(target=0, poison_rate=0.3, seed=1),
                         arch="lightgbm", data_params={"label_column": "is_fraud"},
                         arch_params={"n_estimators": 20, "max_depth": 2})
    raw = leaves_per_tree(run.model.leaf_records(run.test.x.numpy(), 10**9))
    assert raw < LEAVES_RANGE[0]
    verdict = registry.create("detector", "tabular-search").inspect(run.model, run.test, seed=0)
    assert verdict.features["tab_leaves"] == pytest.approx(LEAVES_RANGE[0])
