"""``auto`` on uneven classes (stop 70): a class under the samples its statistics need is left
out of the judgement and named; the other classes are judged as if the set held them alone
(fast: planted features, no training)."""

from __future__ import annotations

import numpy as np
import pytest

from trojanscope.cli.commands.detect_data import print_summary
from trojanscope.detect.data import detect_data
from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.auto_small import left_out_note, subset_features
from trojanscope.detect.data.verdict import set_verdict
from trojanscope.errors import UserInputError

from .test_methods import planted

SMALL = 7  # the class cut short; the planted poison carries label 3


def uneven(n_poison: int, keep_small: int = 6, seed: int = 0):
    """``planted`` with class ``SMALL`` cut to ``keep_small`` samples (its poison kept)."""
    feats, poison = planted(n_poison=n_poison, seed=seed)
    labels = feats.labels.numpy()
    small = np.flatnonzero(labels == SMALL)
    keep = np.setdiff1d(np.arange(len(labels)), small[keep_small:])
    return subset_features(feats, keep), poison[keep]


def test_a_small_class_is_left_out_and_the_others_are_judged_alone() -> None:
    feats, poison = uneven(n_poison=40)
    labels = feats.labels.numpy()
    r = detect_data(None, method="auto", features=feats)
    need = AutoData().min_per_class
    assert r.poisoned is True and 3 in r.details["verdict"]["classes"]
    assert r.details["verdict"]["left_out"] == [{"class": SMALL, "samples": 6, "needs": need}]
    assert left_out_note({SMALL: 6}, need, "auto") in r.notes
    small = labels == SMALL
    assert not small[r.flagged].any() and (r.suspicion[small] == 0).all()
    assert poison[r.flagged].mean() > 0.8 and poison[r.flagged].sum() >= 30
    # the judged classes read exactly as a set without the small class would
    keep = np.flatnonzero(~small)
    alone = detect_data(None, method="auto", features=subset_features(feats, keep))
    assert np.array_equal(r.suspicion[keep], alone.suspicion)
    assert np.array_equal(r.flagged, keep[alone.flagged])
    assert "left_out" not in alone.details["verdict"] and alone.notes == [
        n for n in r.notes if not n.startswith("auto did not judge")]
    # the evidence gives the left-out class its real size (it read 0 at stop 70), and the
    # verdict, which reads the judged classes' sizes only, is the same as with that 0
    evidence = r.details["evidence"]
    assert evidence["class_sizes"][SMALL] == 6 and evidence["left_out"] == [[SMALL, 6]]
    assert evidence["class_sizes"] == np.bincount(labels, minlength=10).tolist()
    as_empty = {**evidence, "class_sizes": alone.details["evidence"]["class_sizes"]}
    assert as_empty["class_sizes"][SMALL] == 0
    assert set_verdict(as_empty).as_dict() == set_verdict(evidence).as_dict()


def test_a_clean_uneven_set_is_judged_clean_and_says_what_it_left_out() -> None:
    feats, _ = uneven(n_poison=0, keep_small=10)
    r = detect_data(None, method="auto-features", features=feats)
    assert r.poisoned is False and len(r.flagged) == 0
    assert r.details["verdict"]["left_out"][0]["samples"] == 10
    assert any("did not judge class 7 (10 samples: add 1)" in n for n in r.notes)


def test_one_class_with_enough_is_refused_in_words_that_say_what_to_add() -> None:
    labels = np.array([0] * 30 + [1] * 5 + [2] * 4)
    with pytest.raises(UserInputError, match=r"only class 0 has at least 11 samples \(class 1 "
                                             r"has 5, class 2 has 4\).*add samples"):
        AutoData().check_labels(labels, 3)
    AutoData().check_labels(np.array([0] * 30 + [1] * 11 + [2] * 4), 3)  # left out, not refused
    with pytest.raises(UserInputError, match="class 0 has 4 samples; the method needs at least"):
        AutoData().check_labels(np.array([0] * 4 + [1] * 4), 2)  # none has enough: as before


def test_an_uncalibrated_poisoned_reading_is_not_worded_as_evidence(capsys) -> None:
    report = {"n_flagged": 3, "n_samples": 200, "data": "clean.npz", "method": "auto",
              "elapsed_s": 1.0, "poisoned": None, "target_classes": [1],
              "details": {"verdict": {"poisoned": True, "reasons": ["class 1 splits"],
                                      "calibrated": False}}}
    print_summary(report)
    out = " ".join(capsys.readouterr().out.split())
    assert "not calibrated for this model's features, so it decides nothing" in out
    assert "evidence of poisoning" not in out


def test_small_context_splits_the_judged_classes_as_the_whole_set_does() -> None:
    """Stop 71: with ``small_context`` the left-out class's samples enter the principal
    directions and whiteners of the class splits (as in the whole set), are not split
    themselves, and still get suspicion 0 and no flag; a set with no class left out reads the
    same with it or without it."""
    from trojanscope.detect.data.split import split_classes

    feats, _ = uneven(n_poison=40)
    labels = feats.labels.numpy()
    small = labels == SMALL
    keep = np.flatnonzero(~small)
    method = AutoData(small_context=True)
    method.context = (feats.features.numpy()[small], labels[small])
    got = method.class_splits(feats.features.numpy()[keep], labels[keep])
    whole = [s for s in split_classes(feats.features.numpy(), labels, method.dims, method.seed)
             if s.cls != SMALL]
    assert [s.cls for s in got] == [s.cls for s in whole] and SMALL not in [s.cls for s in got]
    for a, b in zip(got, whole, strict=True):
        assert np.isclose(a.separation, b.separation) and np.array_equal(keep[a.index], b.index)
        assert np.array_equal(a.cluster, b.cluster)
    r = detect_data(None, method=AutoData(small_context=True), features=feats)
    assert not small[r.flagged].any() and (r.suspicion[small] == 0).all()
    assert r.details["verdict"]["left_out"][0]["class"] == SMALL and r.poisoned is True
    even, _ = planted(n_poison=40)
    a, b = (detect_data(None, method=AutoData(small_context=flag), features=even)
            for flag in (False, True))
    assert np.array_equal(a.suspicion, b.suspicion) and np.array_equal(a.flagged, b.flagged)
