"""An infected class's poison group is oriented by its neighbours *outside* the class too:
carriers relabelled to the target still look like their source class (acceptance run of
issue 13, BadNets 20%, seed 7003: read the wrong way round before; docs/benchmarks.md)."""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.neighbours import outside_purity


def _majority_poison(seed: int = 0) -> tuple[Features, np.ndarray]:
    """Four classes. Class 0: 40 clean samples and 72 carriers (24 from each other class).
    Early features: every class at its own corner; a carrier sits near its source class,
    moved along a trigger direction, so that the carriers are one another's neighbours and
    agree with label 0 as much as the clean samples do. Late features: the carriers are a
    group of their own inside class 0."""
    rng = np.random.default_rng(seed)
    labels = np.r_[np.zeros(40, int), np.repeat([1, 2, 3], 60), np.zeros(72, int)]
    source = np.r_[np.zeros(40, int), np.repeat([1, 2, 3], 60), np.repeat([1, 2, 3], 24)]
    poison = np.r_[np.zeros(220, bool), np.ones(72, bool)]
    early = 10.0 * np.eye(5, 8)[source] + 0.5 * rng.standard_normal((len(labels), 8))
    early[poison] += 4.0 * np.eye(8)[5]
    late = 6.0 * np.eye(4, 16)[labels] + rng.standard_normal((len(labels), 16))
    late[poison] += 12.0 * np.eye(16)[10]
    feats = Features(torch.tensor(late, dtype=torch.float32), torch.zeros(len(labels), 4),
                     torch.tensor(labels), 4, early=torch.tensor(early, dtype=torch.float32))
    return feats, poison


def test_carriers_have_pure_neighbours_outside_their_class():
    feats, poison = _majority_poison()
    rows = torch.nonzero(feats.labels == 0).squeeze(1)
    purity = outside_purity(feats.early, feats.labels, rows, 20).numpy()
    assert purity[poison[rows.numpy()]].min() > 0.9
    assert purity[~poison[rows.numpy()]].mean() < 0.8


def test_majority_poison_whose_carriers_agree_with_the_target_is_oriented_right():
    feats, poison = _majority_poison()
    det = AutoData(dims=8, confusion=False)
    _, flagged = det.run_features(feats)
    assert det.evidence["infected"] == [0]
    agree = det.agree
    assert abs(agree[poison].mean() - agree[(feats.labels == 0).numpy() & ~poison].mean()) < 0.1
    flags = np.zeros(len(poison), dtype=bool)
    flags[flagged] = True
    assert (flags & poison).sum() / poison.sum() >= 0.95
    assert (flags & ~poison).sum() <= 5
