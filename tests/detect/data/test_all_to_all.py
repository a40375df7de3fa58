"""All-to-all poison in ``auto``: where the set shows the all-to-all signature, carriers that
half-agree with their (target) label in the early features but stand out along their class's
top singular direction are flagged too (fast: planted features, no training)."""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.features import Features

from .test_methods import planted


def planted_all_to_all(seed: int = 0) -> tuple[Features, np.ndarray, np.ndarray]:
    """Ten Gaussian classes; from every class c, 10 scattered samples and a tight group of 12
    are relabelled c + 1. In the early features both sit with their source class (the tight
    group are each other's neighbours, so they half-agree with their new label); in the late
    features all of them lie 4.5 std off their new class along one direction (too close for
    a split, far enough for the spectral score). Returns the features, the poison mask and
    the tight group's mask."""
    g = np.random.default_rng(seed)
    k, d, n = 10, 24, 120
    centres = g.normal(0, 6, (k, d))
    early, late, labels, poison, tight = [], [], [], [], []
    for c in range(k):
        early.append(centres[c] + g.normal(0, 1, (n, d)))
        late.append(centres[c] + g.normal(0, 1, (n, d)))
        labels += [c] * n
        poison += [False] * n
        tight += [False] * n
        loose = centres[c] + g.normal(0, 1, (10, d))
        group = centres[c] + 2.5 * g.normal(0, 1, d) + g.normal(0, 0.2, (12, d))
        early.append(np.r_[loose, group])
        late.append(centres[(c + 1) % k] + 4.5 * np.eye(d)[c % d] + g.normal(0, 1, (22, d)))
        labels += [(c + 1) % k] * 22
        poison += [True] * 22
        tight += [False] * 10 + [True] * 12
    f = Features(torch.tensor(np.concatenate(late), dtype=torch.float32),
                 torch.zeros(len(labels), k), torch.tensor(labels), k,
                 early=torch.tensor(np.concatenate(early), dtype=torch.float32))
    return f, np.array(poison), np.array(tight)


def _mask(flagged: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[flagged] = True
    return out


def test_half_agreeing_carriers_are_flagged_under_the_all_to_all_signature() -> None:
    feats, poison, tight = planted_all_to_all()
    _, flagged = AutoData(confusion=False).run(feats)
    got = _mask(flagged, len(poison))
    _, narrow = AutoData(confusion=False, spread_agree=0.5).run(feats)  # the 0.5 cut alone
    old = _mask(narrow, len(poison))
    # the tight groups half-agree with their new label: the 0.5 cut misses most of them
    assert old[tight].mean() <= 0.3 and got[tight].mean() >= 0.8
    assert got[poison].mean() >= old[poison].mean() + 0.3
    assert (got & ~poison).mean() <= 0.02


def test_without_the_signature_nothing_changes() -> None:
    """All-to-one poison (no all-to-all signature): the wider cut never applies."""
    feats, _ = planted(seed=5)
    _, a = AutoData(confusion=False).run(feats)
    _, b = AutoData(confusion=False, spread_agree=0.5, spread_z=0.0).run(feats)
    assert np.array_equal(a, b)
