"""The split signal's threshold moves with the class size (small classes split wider by chance)."""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.detect.data.auto import TUNED_CLASS_SIZE, AutoFeatures
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.split import null_separation, split_classes


def _features(per_class: int, dims: int = 32, seed: int = 0, shifted: int = 0) -> Features:
    """Ten Gaussian classes; ``shifted`` samples of class 0 moved far along one direction."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), per_class)
    x = rng.standard_normal((len(labels), dims)) + 6.0 * np.eye(10, dims)[labels]
    if shifted:
        x[:shifted, -1] += 12.0
    t = torch.tensor(x, dtype=torch.float32)
    return Features(features=t, logits=torch.zeros(len(labels), 10), labels=torch.tensor(labels),
                    num_classes=10, early=t)


def test_null_separation_shrinks_with_samples():
    assert null_separation(50, 32) > null_separation(TUNED_CLASS_SIZE, 32) + 0.4
    assert null_separation(TUNED_CLASS_SIZE, 32) > null_separation(1600, 32)


def test_shift_is_zero_at_or_above_the_tuned_size():
    det, feats = AutoFeatures(), _features(60)
    assert det.size_shift(TUNED_CLASS_SIZE, feats) == 0.0
    assert det.size_shift(5000, feats) == 0.0
    assert det.size_shift(40, feats) > 0.4


def test_small_clean_classes_are_not_split_as_infected():
    feats = _features(40, seed=3)
    det = AutoFeatures()
    seps = [s.separation for s in split_classes(feats.features.numpy(), feats.labels.numpy(),
                                                det.dims, det.seed)]
    infected = [s for s in seps if s >= det.min_separation + det.size_shift(40, feats)]
    assert infected == []


def test_a_separate_group_still_infects_a_small_class():
    feats = _features(60, seed=4, shifted=15)
    _, flagged = AutoFeatures().run_features(feats)
    assert set(range(15)) <= set(flagged.tolist())



def test_seed_reaches_a_detector_built_by_name_not_a_given_instance():
    from trojanscope.detect.data.run import detect_data

    feats = _features(30, seed=5)
    data = torch.utils.data.TensorDataset(feats.features, feats.labels)
    by_name = detect_data(data, method="auto-features", features=feats, seed=7)
    assert by_name.details["params"]["seed"] == 7
    given = detect_data(data, method=AutoFeatures(seed=3), features=feats, seed=7)
    assert given.details["params"]["seed"] == 3
