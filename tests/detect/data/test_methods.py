"""Data-level detectors: the contract every registered one meets, and that the default finds
planted poison in features built to look like a backdoored model's (fast: no training)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.detect.data import DataDetector, GroundTruthScore, detect_data
from trojanscope.detect.data.base import target_classes
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.flagging import robust_z
from trojanscope.errors import UserInputError


def planted(
    n_per_class: int = 120, n_poison: int = 40, seed: int = 0
) -> tuple[Features, np.ndarray]:
    """Ten Gaussian classes; ``n_poison`` samples of other classes relabelled 3 sit, in the late
    features, in a tight group of their own inside class 3, and, in the early features, with
    their source class (what a backdoored feature model shows)."""
    g = np.random.default_rng(seed)
    k, d = 10, 24
    centres = g.normal(0, 6, (k, d))
    true = np.repeat(np.arange(k), n_per_class)
    early = centres[true] + g.normal(0, 1, (len(true), d))
    late = centres[true] + g.normal(0, 1, (len(true), d))
    idx = g.choice(np.flatnonzero(true != 3), n_poison, replace=False)
    labels = true.copy()
    labels[idx] = 3
    late[idx] = centres[3] + 8 * np.eye(d)[0] + g.normal(0, 1, (n_poison, d))
    poison = np.zeros(len(true), dtype=bool)
    poison[idx] = True
    f = Features(torch.tensor(late, dtype=torch.float32), torch.zeros(len(true), k),
                 torch.tensor(labels), k, early=torch.tensor(early, dtype=torch.float32))
    return f, poison


NAMES = [n for n in registry.names("data-detector")  # tables: tests/tabular
         if getattr(registry.get("data-detector", n), "modality", "image") == "image"
         and not getattr(registry.get("data-detector", n), "trains", False)]  # test_confusion


@pytest.mark.parametrize("name", NAMES)
def test_every_data_detector_meets_the_contract(name: str) -> None:
    det = registry.create("data-detector", name)
    assert isinstance(det, DataDetector) and det.name == name
    feats, poison = planted()
    scores, flagged = det.run(feats)
    assert scores.shape == (len(poison),) and np.isfinite(scores).all()
    assert flagged.dtype.kind == "i" and len(set(flagged.tolist())) == len(flagged)
    assert all(0 <= i < len(poison) for i in flagged)
    assert registry.create("data-detector", name, **det.get_params()).get_params() == \
        det.get_params()
    again, flagged_again = registry.create("data-detector", name).run(feats)
    assert np.array_equal(scores, again) and np.array_equal(flagged, flagged_again)


@pytest.mark.parametrize("name", NAMES)
def test_every_data_detector_ranks_planted_poison_high(name: str) -> None:
    feats, poison = planted(seed=1)
    result = detect_data(None, method=name, features=feats, poison=poison)
    assert result.truth is not None and result.truth.roc_auc > 0.8, (name, result.truth)


def test_auto_flags_the_planted_poison_and_names_the_target() -> None:
    feats, poison = planted(seed=2)
    result = detect_data(None, method="auto", features=feats, poison=poison)
    assert result.truth.recall >= 0.95 and result.truth.fpr <= 0.01, result.truth
    assert result.target_classes == [3]
    assert set(result.keep) == set(range(len(poison))) - set(result.flagged.tolist())


def test_auto_flags_nothing_without_poison() -> None:
    feats, _ = planted(n_poison=0, seed=3)
    result = detect_data(None, method="auto", features=feats)
    assert len(result.flagged) <= 0.01 * len(result.suspicion) and result.truth is None


def test_checks_name_what_is_wrong() -> None:
    feats, _ = planted()
    one = Features(feats.features, feats.logits, torch.zeros(len(feats), dtype=torch.long), 10)
    with pytest.raises(UserInputError, match="single class"):
        detect_data(None, features=one)
    few = Features(feats.features[:130], feats.logits[:130], feats.labels[:130], 10)
    with pytest.raises(UserInputError, match=r"class 1 has 10 samples; .* at least 11"):
        detect_data(None, features=few, method="early-knn")
    with pytest.raises(UserInputError, match="ground truth has 3 entries"):
        detect_data(None, features=feats, poison=np.zeros(3, dtype=bool))


def test_ground_truth_scores() -> None:
    poison = np.array([True, True, False, False, False])
    flagged = np.array([True, False, True, False, False])
    s = GroundTruthScore.compute(np.array([0.9, 0.8, 0.7, 0.1, 0.0]), flagged, poison)
    assert (s.precision, s.recall, s.fpr, s.roc_auc) == (0.5, 0.5, 1 / 3, 1.0)


def test_robust_z_and_target_classes() -> None:
    z = robust_z(np.array([1.0, 1.1, 0.9, 1.0, 5.0]))
    assert z[-1] > 3.5 and np.abs(z[:-1]).max() < 1.5
    labels = np.array([0] * 10 + [1] * 10)
    assert target_classes(labels, np.arange(10, 16), 2) == [1]
    assert target_classes(labels, np.array([0, 10]), 2) == []
