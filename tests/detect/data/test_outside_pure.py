"""``outside_pure``: in an infected class of a set without the all-to-all signature, a sample the
split put on the clean side is flagged where it disagrees with its early neighbours' labels and
looks like one other class (outside purity 1.0), as a carrier does (issue 13, stop 42)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.detect.data.auto import AutoData, AutoFeatures

torch.set_num_threads(1)


def _class_0(det: AutoData, n_both: int = 0) -> list[int]:
    """The flags ``det`` adds outside the poison group of an infected class 0 (samples 0-9;
    group 0 = samples 0-5). Sample 6 sits inside class 1's cluster (disagrees, pure), sample 7
    between classes 1 and 2 (disagrees, mixed), 8 and 9 with their class (agree)."""
    rng = np.random.default_rng(0)
    pts = np.r_[np.tile([-10.0, -10.0], (6, 1)), [[10.0, 0.0]], [[5.0, 5.0]],
                np.tile([-10.0, -10.0], (2, 1)),
                np.tile([10.0, 0.0], (10, 1)), np.tile([0.0, 10.0], (10, 1))]
    pts += rng.normal(0, 0.1, pts.shape)
    labels = np.r_[np.zeros(10, int), np.ones(10, int), np.full(10, 2)]
    det.early_emb, det.labels_t = torch.tensor(pts, dtype=torch.float32), torch.tensor(labels)
    det.agree = np.r_[np.full(6, 0.3), 0.0, 0.0, 1.0, 1.0, np.ones(20)]
    det.evidence = {"n_disagree": 20, "n_both": n_both}
    index, cluster = np.arange(10), np.r_[np.zeros(6, int), np.ones(4, int)]
    det.infected_groups = [(index, cluster, 0)]
    det.both = np.zeros(30, dtype=bool)
    confused = np.full(30, 0.2)
    _, extra = det.orient_by_confusion(confused, np.arange(6), np.array([], dtype=int))
    return [int(i) for i in extra]


def test_a_pure_disagreeing_sample_off_the_poison_group_is_flagged():
    assert _class_0(AutoData(k=5, outside_pure=True)) == [6]


def test_on_by_default_and_off_it_adds_nothing():
    """The default since issue 13's stop 42 (its rule met on fresh all-to-one sets)."""
    assert AutoData().outside_pure is True
    assert AutoFeatures().outside_pure is False  # measured for ``auto`` only
    assert _class_0(AutoData(k=5)) == [6]
    assert _class_0(AutoData(k=5, outside_pure=False)) == []


def test_not_on_a_set_with_the_all_to_all_signature():
    """There ``pair_recall`` acts; at least half the disagreeing samples spectral outliers."""
    assert _class_0(AutoData(k=5, outside_pure=True), n_both=12) == []


@pytest.mark.parametrize("value", ["yes", 2])
def test_outside_pure_is_a_flag(value):
    with pytest.raises(ValueError, match="outside_pure"):
        AutoData(outside_pure=value)
