"""``pair_recall``: with the all-to-all signature, the poison pairs (twin class -> label) read off
the flags, and the members of those pairs that disagree with their early neighbours or pass the
recount's cut flagged too (issue 13, stop 41: carriers that are no spectral outliers, s54719,
and carriers agreeing through flagged pair-mates, s54017). Planted features, no training."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from trojanscope.detect.data.auto import AutoData, AutoFeatures
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.neighbours import outside_twin
from trojanscope.detect.data.pairs import PAIR_MIN, pair_members, poison_pairs

from .test_methods import planted


def planted_quiet_pairs(seed: int = 0, classes: int = 10,
                        ) -> tuple[Features, np.ndarray, np.ndarray, np.ndarray]:
    """Ten Gaussian classes (``classes``) of 120 clean samples; from every class c, 14 *loud*
    carriers and 6 *quiet* ones relabelled c + 1, and 3 clean samples of class c that look like
    class c + 3 (natural confusions). In the early features the carriers and the confusions
    sit with the class they look like (so they disagree with their label); in the late
    features the loud carriers lie 4.5 std off their new class along one direction (spectral
    outliers), the quiet ones and the confusions at their class's centre (no outliers).
    Returns the features, the poison mask, the quiet carriers' mask and the confusions'
    mask."""
    g = np.random.default_rng(seed)
    k, d, n = classes, 24, 120
    centres = g.normal(0, 6, (k, d))
    early, late, labels, poison, quiet, confused = [], [], [], [], [], []

    def add(e, lt, label, p, q, c):
        early.append(e)
        late.append(lt)
        labels.extend([label] * len(e))
        poison.extend([p] * len(e))
        quiet.extend([q] * len(e))
        confused.extend([c] * len(e))

    for c in range(k):
        t = (c + 1) % k
        add(centres[c] + g.normal(0, 1, (n, d)), centres[c] + g.normal(0, 1, (n, d)),
            c, False, False, False)
        add(centres[c] + g.normal(0, 1, (14, d)),
            centres[t] + 4.5 * np.eye(d)[c % d] + g.normal(0, 1, (14, d)), t, True, False, False)
        add(centres[c] + g.normal(0, 1, (6, d)), centres[t] + g.normal(0, 1, (6, d)),
            t, True, True, False)
        add(centres[(c + 3) % k] + g.normal(0, 1, (3, d)), centres[c] + g.normal(0, 1, (3, d)),
            c, False, False, True)
    f = Features(torch.tensor(np.concatenate(late), dtype=torch.float32),
                 torch.zeros(len(labels), k), torch.tensor(labels), k,
                 early=torch.tensor(np.concatenate(early), dtype=torch.float32))
    return f, np.array(poison), np.array(quiet), np.array(confused)


def _mask(flagged: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[flagged] = True
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_quiet_carriers_of_a_poison_pair_are_flagged(seed):
    feats, poison, quiet, confused = planted_quiet_pairs(seed)
    _, off = AutoData(confusion=False, pair_recall=False).run(feats)
    _, on = AutoData(confusion=False, pair_recall=True).run(feats)
    before, after = _mask(off, len(poison)), _mask(on, len(poison))
    assert before[quiet].mean() <= 0.2  # no spectral outliers: signal 3 leaves them
    assert after[quiet].mean() >= 0.9
    assert (after & ~before & confused).sum() == 0  # a disagreeing clean sample off the pairs
    assert np.array_equal(after & before, before)  # only adds
    assert (after & ~poison).sum() <= (before & ~poison).sum() + 2


def test_on_by_default_and_identical_to_on():
    """The default since issue 13's stop 42 (its rule met on fresh all-to-all sets)."""
    feats, *_ = planted_quiet_pairs(0)
    assert AutoData().pair_recall is True
    assert AutoFeatures().pair_recall is False  # measured for ``auto`` only
    s1, a = AutoData(confusion=False).run(feats)
    s2, b = AutoData(confusion=False, pair_recall=True).run(feats)
    assert np.array_equal(a, b) and np.array_equal(s1, s2)


def test_without_the_signature_nothing_changes():
    """All-to-one poison (no all-to-all signature): no pair is read, no flag changes."""
    feats, _ = planted(seed=5)
    s1, a = AutoData(confusion=False, pair_recall=False).run(feats)
    s2, b = AutoData(confusion=False, pair_recall=True).run(feats)
    assert np.array_equal(a, b) and np.array_equal(s1, s2)


def test_poison_pairs_need_a_share_and_a_count():
    # class 1: 12 flags with twin 0 and 6 with twin 2 (shares 2/3, 1/3 but 6 < PAIR_MIN);
    # class 2: 4 flags, all twin 1 (a share of 1, too few); class 0: 9 of twin 0 (itself)
    twin = np.r_[np.zeros(12, int), np.full(6, 2), np.ones(4, int), np.zeros(9, int)]
    labels = np.r_[np.ones(18, int), np.full(4, 2), np.zeros(9, int)]
    flagged = np.ones(len(labels), dtype=bool)
    pairs = poison_pairs(twin, labels, flagged, 3)
    assert pairs.tolist() == [[False, True, False], [False, False, False], [False, False, False]]
    assert PAIR_MIN > 6
    assert pair_members(twin, labels, pairs).tolist() == [True] * 12 + [False] * 19
    none = poison_pairs(twin, labels, np.zeros(len(labels), dtype=bool), 3)
    assert not none.any()


def test_outside_twin_is_the_class_a_sample_looks_like():
    emb = torch.tensor([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2], [9.0], [9.1], [0.15]])
    labels = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 1])  # the last: a 1 that looks like a 0
    twin = outside_twin(emb, labels, 2).tolist()
    assert twin[8] == 0
    assert twin[:3] == [1, 1, 1] and twin[3:6] == [2, 2, 2] and twin[6:8] == [1, 1]


@pytest.mark.parametrize("value", ["yes", 2])
def test_pair_recall_is_checked(value):
    with pytest.raises(ValueError, match=re.escape("pair_recall")):
        AutoData(pair_recall=value)


def test_a_source_class_smaller_than_k_is_still_the_twin():
    """Class 0 has 3 samples, fewer than the k = 8 neighbours: a 2 that looks like a 0 has all
    three of them among its nearest outside neighbours, but the other five are 1s; its twin is
    still 0 (the neighbourhood is capped at the smallest class's size)."""
    emb = torch.tensor([[0.0], [0.1], [0.2]] + [[4.0 + i / 10] for i in range(10)]
                       + [[9.0 + i / 10] for i in range(10)] + [[0.15]])
    labels = torch.tensor([0] * 3 + [1] * 10 + [2] * 10 + [2])
    assert outside_twin(emb, labels, 8)[-1] == 0
