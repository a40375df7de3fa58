"""Missing training mass: leaves the training rows filled and clean rows never reach."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from trojanscope import registry
from trojanscope.detect.tabular_search import recurrence_features
from trojanscope.detect.tree_mass import (
    bound_recurrence,
    class_mass_norms,
    deficit,
    grouped_mass,
    leaves_per_tree,
    missing_mass,
)
from trojanscope.models.trees import LeafRecord


def test_missing_mass_counts_only_leaves_clean_rows_under_fill() -> None:
    shares = [(1, 0.05, 0.0),    # 5 clean rows expected, none seen: deficit 2 * 5
              (0, 0.50, 0.60),   # more clean rows than expected: no deficit
              (0, 0.45, 0.40)]   # 45 expected, 40 seen
    mass = missing_mass(shares, 100, 2, top=10)
    assert mass[1] == pytest.approx(10.0)
    assert mass[0] == pytest.approx(2 * (40 * np.log(40 / 45) + 5))


def test_each_class_mass_is_set_against_its_own_natural_deficits() -> None:
    """Class 1 (the minority) misses clean rows in many leaves by chance; class 0 in one
    leaf only, a poison-like one. Raw, class 1 has the larger mass; over each class's mean
    deficit, class 0 stands out."""
    natural = [(1, 0.2, 0.1)] * 10             # every class-1 leaf: 20 expected, 10 seen
    poison = [(0, 0.03, 0.0)] + [(0, 0.10, 0.10)] * 9  # one class-0 leaf: 3 expected, none
    norms = class_mass_norms(natural + poison, 100, 2, prior=np.array([0.7, 0.3]))
    assert norms["raw"][1] > norms["raw"][0] > 0
    assert norms["mean"][0] > norms["mean"][1]
    assert norms["mean"][0] == pytest.approx(norms["raw"][0] / (deficit(0.03, 0.0, 100) / 10))
    assert norms["prior"] == pytest.approx(norms["raw"] * [0.7, 0.3])


def test_a_poison_split_into_small_leaves_under_one_bound_is_pooled() -> None:
    """A majority-class backdoor: each of trees 0-2 holds its poison in three small class-0
    leaves (2 clean rows expected, none seen), each under the trigger's bound on feature 2 but
    apart on feature 0; class 1 has natural small leaves (4 expected, none seen) with no bound
    in common. Leaf by leaf class 1 has the larger mass; pooled by shared bound, class 0."""
    trigger = (0.12, 0.13)
    poison = [LeafRecord(t, 0, 0.1, 0.02, 0.0, {0: (lo, hi), 2: trigger}) for t in range(3)
              for lo, hi in ((None, 0.3), (0.3, 0.6), (0.6, None))]
    natural = [LeafRecord(t, 1, 0.1, 0.04, 0.0, {1: (0.1 * t, 0.1 * t + 0.05)})
               for t in range(3)]
    filler = [LeafRecord(0, 0, 0.1, 0.5, 0.6, {0: (None, 0.3)})]  # more clean rows: no deficit
    records = poison + natural + filler
    per_leaf = missing_mass([(r.cls, r.train, r.clean) for r in records], 100, 2, top=3)
    pooled = grouped_mass(records, 100, 2, top=3)
    assert per_leaf[1] > per_leaf[0]
    assert pooled[0] > pooled[1]
    # each tree's group under the trigger holds its three leaves: 6 expected, none seen
    assert pooled[0] == pytest.approx(deficit(0.06, 0.0, 100))
    assert pooled[1] == pytest.approx(deficit(0.04, 0.0, 100))  # each leaf its own group


def test_grouped_mass_counts_a_group_once_and_keeps_trees_apart() -> None:
    """Two bounds shared by the same two leaves form one group, not two; equal bounds in
    different trees are different groups."""
    box = {0: (0.2, 0.4), 1: (None, 0.5)}
    records = [LeafRecord(0, 1, 0.1, 0.03, 0.0, box), LeafRecord(0, 1, 0.1, 0.03, 0.0, box),
               LeafRecord(1, 1, 0.1, 0.01, 0.0, box)]
    pooled = grouped_mass(records, 100, 2, top=3)
    assert pooled[1] == pytest.approx((deficit(0.06, 0.0, 100) + deficit(0.01, 0.0, 100)) / 2)
    assert pooled[0] == 0.0


def test_a_trigger_bound_adds_up_across_trees_and_chance_bounds_do_not() -> None:
    """Issue 16 stop 33: a deep clean tree's chance groups can miss as many clean rows as a
    poison group does (here class 1's natural leaves miss more, tree by tree, than class 0's
    poison), but each tree's chance falls under another bound, while the trigger's bound is
    the same in every tree: summed per bound across trees, class 0 leads."""
    trigger = (0.12, 0.13)
    poison = [LeafRecord(t, 0, 0.1, 0.02, 0.0, {2: trigger}) for t in range(4)]
    natural = [LeafRecord(t, 1, 0.1, 0.05, 0.0, {1: (0.1 * t, 0.1 * t + 0.05)})
               for t in range(4)]
    records = poison + natural
    assert grouped_mass(records, 100, 2, top=3)[1] > grouped_mass(records, 100, 2, top=3)[0]
    recur = bound_recurrence(records, 100, 2)
    assert recur[0] == pytest.approx(4 * deficit(0.02, 0.0, 100))
    assert recur[1] == pytest.approx(deficit(0.05, 0.0, 100))
    feats = recurrence_features(recur, major=0)
    assert feats["tab_major_recur"] == pytest.approx(np.log1p(recur[0]))
    assert feats["tab_major_recur_lead"] == pytest.approx(np.log1p(recur[0]) - np.log1p(recur[1]))
    assert recurrence_features(None, 0) == {"tab_major_recur": 0.0, "tab_major_recur_lead": 0.0}
    # a group two bounds define counts once per bound, never twice under one bound
    shared = [LeafRecord(0, 0, 0.1, 0.03, 0.0, {0: (0.2, 0.4), 1: (None, 0.5)})] * 2
    assert bound_recurrence(shared, 100, 2)[0] == pytest.approx(deficit(0.06, 0.0, 100))


@pytest.mark.parametrize("arch", ["xgboost", "lightgbm"])
def test_leaf_shares_from_the_dump_and_a_planted_group(arch: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.random((600, 4)).astype(np.float32)
    y = (x[:, 0] + 0.3 * rng.standard_normal(600) > 0.5).astype(np.int64)
    planted = x.copy()
    planted[:60, 2] = 0.123  # a value clean rows never hold, all given class 1
    labels = y.copy()
    labels[:60] = 1
    models = {}
    for name, (rows, target) in {"clean": (x, y), "poisoned": (planted, labels)}.items():
        model = registry.create("arch", arch, input_shape=(4,), num_classes=2,
                                n_estimators=20, max_depth=3)
        model.fit_arrays(rows, target, seed=0)
        models[name] = model
    first = models["clean"].leaf_shares(x, 1)  # tree 0: training shares are row counts
    assert sum(t for _, t, _ in first) == pytest.approx(1.0)
    assert sum(c for _, _, c in first) == pytest.approx(1.0)
    assert max(abs(t - c) for _, t, c in first) < 1e-6  # the training rows themselves
    fresh = rng.random((400, 4)).astype(np.float32)
    clean = missing_mass(models["clean"].leaf_shares(fresh, 20), 400, 2)
    poisoned = missing_mass(models["poisoned"].leaf_shares(fresh, 20), 400, 2)
    assert poisoned[1] > 3 * max(clean.max(), 1.0), (poisoned, clean)


def test_a_clean_three_class_xgboost_misses_no_mass_on_its_own_training_rows() -> None:
    """Multi-class cover is a per-class hessian mass p_c(1 - p_c): rows weighed by it."""
    rng = np.random.default_rng(0)
    x = rng.random((1500, 4)).astype(np.float32)
    y = (x[:, 0] * 3).astype(np.int64).clip(0, 2)
    y = np.where(rng.random(1500) < 0.15, rng.integers(0, 3, 1500), y)
    model = registry.create("arch", "xgboost", input_shape=(4,), num_classes=3,
                            n_estimators=60, max_depth=4)
    model.fit_arrays(x, y, seed=0)
    worst = max(deficit(r.train, r.clean, len(x)) for r in model.leaf_records(x, 10**9))
    assert worst < 5.0


def test_tree_target_order_mass_then_boxes_then_the_score_ranking() -> None:
    from trojanscope.detect.tabular_search import tree_target_order

    ranked = [0, 1, 2]
    assert tree_target_order(ranked, np.array([1.0, 20.0, 0.0]), 15.0,
                             np.array([0.0, 0.0, 0.3])) == [1, 0, 2]  # mass sure
    assert tree_target_order(ranked, np.array([1.0, 9.0, 0.0]), 15.0,
                             np.array([0.1, 0.0, 0.3])) == [2, 0, 1]  # box order below 15
    assert tree_target_order(ranked, np.array([1.0, 9.0, 0.0]), 15.0,
                             np.array([-0.1, -0.2, 0.0])) == ranked  # no box flips anything
    assert tree_target_order(ranked, np.zeros(3), 15.0, None) == ranked


def test_leaves_per_tree_reads_the_depth_from_the_leaves() -> None:
    """``tab_leaves`` (issue 16 stop 32c): log2 of the mean leaves per tree."""
    records = [SimpleNamespace(tree=t) for t in [0] * 8 + [1] * 8]
    assert leaves_per_tree(records) == 3.0
    assert leaves_per_tree([]) == 0.0


def test_tab_leaves_counts_every_leaf_of_a_multi_class_ensemble() -> None:
    """A 3-class tree's leaves that push away from their class are leaves too: the depth
    read from all leaf records is the booster's own leaf count (a filter on positive strength
    halved it, and the LightGBM calibrator read a shallower model than it was)."""
    from test_tree_boxes import table

    from trojanscope import registry
    from trojanscope.detect.tabular_search import LEAVES_RANGE

    x, y = table(900, 5)
    y = (x[:, 0] * 3).astype(np.int64).clip(0, 2)
    model = registry.create("arch", "lightgbm", input_shape=(6,), num_classes=3,
                            n_estimators=10, max_depth=3)
    model.fit_arrays(x, y, seed=0)
    info = model.booster.dump_model()["tree_info"]
    want = np.log2(np.mean([t["num_leaves"] for t in info]))
    records = model.leaf_records(x, 10**9)
    assert leaves_per_tree(records) == pytest.approx(want)
    assert leaves_per_tree([r for r in records if r.strength > 0]) < want - 0.3
    assert LEAVES_RANGE[0] <= 2.9 and LEAVES_RANGE[1] >= 4.9  # the calibration trees' range
