"""``pair_recall`` at the edges its review asked about (issue 13, stop 41 review): two classes
(every flagged sample shares one twin, so every label is a pair), a class with fewer samples
than the 20 nearest neighbours, a set with no flags, and the same flags on a second run.
Planted features, no training."""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.neighbours import outside_twin

from .test_pair_recall import planted_quiet_pairs


def _runs(feats: Features) -> tuple[np.ndarray, np.ndarray, AutoData]:
    """Flag masks without and with ``pair_recall``, and the detector that ran with it."""
    n = len(feats.labels)
    masks = []
    for on in (False, True):
        det = AutoData(confusion=False, pair_recall=on)
        mask = np.zeros(n, dtype=bool)
        mask[det.run(feats)[1]] = True
        masks.append(mask)
    return masks[0], masks[1], det


def _subset(feats: Features, keep: np.ndarray) -> Features:
    idx = torch.from_numpy(np.flatnonzero(keep))
    return Features(feats.features[idx], feats.logits[idx], feats.labels[idx], feats.num_classes,
                    early=feats.early[idx])


def test_two_classes_only_adds_and_takes_the_quiet_carriers():
    """With two classes both pairs (0 -> 1, 1 -> 0) are poison's and every sample's twin is the
    other class, so the pairs no longer set natural confusions apart from carriers (5 of the
    6 planted here are taken, with 2 clean samples through the recount's cut): fewer clean
    samples added than carriers."""
    feats, poison, quiet, _ = planted_quiet_pairs(0, classes=2)
    before, after, det = _runs(feats)
    added = after & ~before
    assert np.array_equal(after & before, before)
    assert after[quiet].mean() >= 0.9 and det.evidence["n_paired"] == added.sum() > 0
    assert (added & ~poison).sum() < (added & poison).sum()


def test_a_class_smaller_than_the_neighbourhood():
    """Class 4 cut to 15 samples (its own 9 clean ones and the 6 carriers relabelled to it),
    under the 20 nearest neighbours: the carriers it is the source of (relabelled 5) still have
    it as their twin (before the cap, half read class 1, whose confusions look like a 4), and
    pair_recall only adds and takes the quiet carriers of the other pairs."""
    feats, poison, quiet, _ = planted_quiet_pairs(0)
    labels = feats.labels.numpy()
    in4 = np.flatnonzero(labels == 4)
    keep = np.ones(len(labels), dtype=bool)
    keep[in4] = False
    keep[in4[~poison[in4]][:9]] = True
    keep[in4[poison[in4]][:6]] = True
    small = _subset(feats, keep)
    assert (small.labels == 4).sum() == 15
    before, after, _ = _runs(small)
    assert np.array_equal(after & before, before)
    others = quiet[keep] & (small.labels.numpy() != 4)
    assert after[others].mean() >= 0.9
    from_4 = poison[keep] & (small.labels.numpy() == 5)
    assert (outside_twin(small.early, small.labels, 20)[torch.from_numpy(from_4)] == 4).all()


def test_no_flags_nothing_added():
    """A clean set (only the clean samples): no signature, no pair, no flag either way."""
    feats, poison, _, confused = planted_quiet_pairs(1)
    before, after, det = _runs(_subset(feats, ~poison & ~confused))
    assert not before.any() and not after.any() and det.evidence["n_paired"] == 0


def test_same_flags_and_scores_on_a_second_run():
    feats, *_ = planted_quiet_pairs(1)
    first = AutoData(confusion=False, pair_recall=True, seed=3).run(feats)
    second = AutoData(confusion=False, pair_recall=True, seed=3).run(feats)
    assert np.array_equal(first[1], second[1]) and np.array_equal(first[0], second[0])
