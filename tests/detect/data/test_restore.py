"""``--write-clean --restore`` (opt-in): the flagged samples a model of the rest agrees with go
back."""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.data.base import DataDetection
from trojanscope.detect.data.relabel import restored


def test_clean_samples_flagged_by_mistake_go_back_and_flipped_ones_stay_out(tiny_train) -> None:
    x, y = tiny_train.get_batch(torch.arange(len(tiny_train)))
    y = y.clone()
    n, k = len(y), tiny_train.num_classes
    rng = np.random.default_rng(0)
    order = rng.permutation(n)
    flipped, mistaken = order[:20], order[20:40]  # poison-like (label flipped) and clean
    y[flipped] = (y[flipped] + 1) % k
    data = TensorDataset(x, y, tuple(tiny_train.class_names), "synthetic")
    flagged = np.sort(np.concatenate([flipped, mistaken]))
    result = DataDetection("auto", np.zeros(n), flagged, [], 0.0)
    kept = restored(result, data, seed=0)
    back = np.setdiff1d(kept, result.keep)
    assert len(np.intersect1d(back, mistaken)) >= 15  # most clean ones come back
    assert len(np.intersect1d(back, flipped)) <= 2  # a flipped label does not
    assert np.array_equal(np.intersect1d(kept, result.keep), result.keep)


def test_nothing_flagged_keeps_everything(tiny_train) -> None:
    n = len(tiny_train)
    result = DataDetection("auto", np.zeros(n), np.zeros(0, dtype=np.int64), [], 0.0)
    assert np.array_equal(restored(result, tiny_train), np.arange(n))
