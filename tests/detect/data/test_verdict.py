"""The set-level verdict of ``auto``: clean sets get "no evidence of poisoning", nothing
flagged and no target named; any class-level signal stronger than on clean data makes the set
poisoned (fast: planted features, no training)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.cli.commands.detect_data import print_summary
from trojanscope.detect.data import detect_data
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.verdict import (
    BOTH_MIN,
    BOTH_SHARE,
    CONFUSION_MIN,
    CONSISTENCY_Z,
    SHARE_MIN,
    SHARE_RATIO,
    SPLIT_MARGIN,
    STRONG_EXCESS,
    set_verdict,
)

from .test_methods import planted

QUIET = {"split_margins": [-1.0] * 10, "consistency_z": [0.5] * 10,
         "confusion_counts": [0] * 10, "strong_counts": [3] * 10,
         "n_disagree": 100, "n_both": 35}


def quiet() -> dict:
    return {k: list(v) if isinstance(v, list) else v for k, v in QUIET.items()}


def test_no_signal_means_no_evidence() -> None:
    v = set_verdict(QUIET)
    assert not v.poisoned and v.reasons == [] and v.classes == []


def test_each_signal_alone_makes_the_set_poisoned() -> None:
    for key, value in (("split_margins", SPLIT_MARGIN), ("consistency_z", CONSISTENCY_Z),
                       ("confusion_counts", CONFUSION_MIN)):
        ev = quiet()
        ev[key][4] = value
        v = set_verdict(ev)
        assert v.poisoned and v.classes == [4] and len(v.reasons) == 1, key
        ev[key][4] = value - 1e-3 if key != "confusion_counts" else value - 1
        assert not set_verdict(ev).poisoned, key
    ev = quiet()
    ev["strong_counts"][7] = 3 + STRONG_EXCESS * 2  # median 3: Poisson sd sqrt(4) = 2
    assert set_verdict(ev).classes == [7]
    ev["strong_counts"][7] -= 1
    assert not set_verdict(ev).poisoned
    ev["n_both"] = int(BOTH_SHARE * 100)  # all-to-all: no class named, the set still poisoned
    v = set_verdict(ev)
    assert v.poisoned and v.classes == [] and "also stand out" in v.reasons[0]


def test_clean_features_get_a_clean_verdict_and_no_flags() -> None:
    feats, _ = planted(n_poison=0, seed=3)
    r = detect_data(None, method="auto", features=feats)
    assert r.poisoned is False and len(r.flagged) == 0 and r.target_classes == []
    d = r.as_dict()
    assert d["poisoned"] is False and d["details"]["verdict"]["reasons"] == []
    assert d["details"]["candidates"] >= 0 and len(d["suspicion"]) == len(feats)


def test_planted_poison_is_judged_poisoned_with_its_target() -> None:
    feats, poison = planted(seed=2)
    r = detect_data(None, method="auto", features=feats, poison=poison)
    assert r.poisoned is True and r.target_classes == [3] and r.truth.recall >= 0.95
    assert 3 in r.details["verdict"]["classes"]


def test_methods_without_a_verdict_say_none() -> None:
    feats, _ = planted(seed=4)
    r = detect_data(None, method="spectral", features=feats)
    assert r.poisoned is None and r.as_dict()["poisoned"] is None


def test_summary_says_no_evidence(capsys) -> None:
    feats, _ = planted(n_poison=0, seed=3)
    r = detect_data(None, method="auto", features=feats)
    print_summary({"data": "x.npz", **r.as_dict()})
    out = capsys.readouterr().out
    assert "no evidence of poisoning" in out and "flagged" not in out.split("\n")[0].split(":")[0]
    feats, _ = planted(seed=2)
    print_summary({"data": "x.npz", **detect_data(None, method="auto", features=feats).as_dict()})
    out = capsys.readouterr().out
    assert "samples flagged" in out and "evidence of poisoning: class 3" in out


def test_reasons_name_class_ids_and_skip_absent_labels() -> None:
    """A set whose labels skip ids (say 0, 2, 5): reasons name the real class, and the
    near-total-disagreement median is taken over the classes the set has, not the empty ids."""
    ev = {"split_classes": [0, 2, 5], "split_margins": [-1.0, -1.0, SPLIT_MARGIN],
          "consistency_z": [0.5, CONSISTENCY_Z, 0.5], "strong_counts": [3, 0, 3, 0, 0, 3],
          "n_disagree": 100, "n_both": 30}
    v = set_verdict(ev)
    assert v.classes == [2, 5] and "class 5 splits" in v.reasons[0]
    # 9 against a median of 3 over the present classes is not an excess (over all ten ids,
    # seven of them empty, the median would be 0 and 9 would be)
    ev = {"split_classes": [0, 2, 5], "split_margins": [-1.0] * 3, "consistency_z": [0.5] * 3,
          "strong_counts": [9, 0, 3, 0, 0, 3, 0, 0, 0, 0], "n_disagree": 100, "n_both": 30}
    assert not set_verdict(ev).poisoned


def test_a_few_disagreements_are_not_a_share() -> None:
    ev = quiet()
    ev["n_disagree"], ev["n_both"] = 3, 2
    assert not set_verdict(ev).poisoned
    ev["n_disagree"], ev["n_both"] = 2 * BOTH_MIN, BOTH_MIN
    assert set_verdict(ev).poisoned


def test_a_given_models_features_get_no_deciding_verdict() -> None:
    """Thresholds were calibrated on the feature model trained here: with a user's model the
    verdict is shown (uncalibrated) but flags and targets are kept."""
    feats, _ = planted(n_poison=0, seed=3)
    feats.info = {"source": "vendor-model.onnx"}
    r = detect_data(None, method="auto", features=feats)
    assert r.poisoned is None and r.details["verdict"]["calibrated"] is False
    assert len(r.flagged) == r.details["candidates"]


def test_a_class_disagreeing_far_more_than_the_median_class_is_evidence() -> None:
    """The WaNet 20% miss (development seed 5015): 63% of the target class disagreed with its
    early neighbours, 4.8 times the median class, while its robust z among the classes stayed
    under ``CONSISTENCY_Z`` (other classes with many natural confusions widened the spread)."""
    ev = quiet()
    ev["class_sizes"] = [400] * 10
    ev["disagree_counts"] = [40, 40, 40, 40, 40, 40, 40, 80, 90, 40]  # median share 0.1
    assert not set_verdict(ev).poisoned
    # the class's share less one binomial standard error against SHARE_RATIO x 0.1: 150 of
    # 400 is 0.375 - 0.024 = 0.351, 149 of 400 is 0.348
    assert SHARE_RATIO == 3.5
    ev["disagree_counts"][6] = 150
    v = set_verdict(ev)
    assert v.poisoned and v.classes == [6] and "times the median" in v.reasons[0]
    ev["disagree_counts"][6] = 149
    assert not set_verdict(ev).poisoned


def test_a_few_disagreements_in_an_easy_set_are_not_a_ratio() -> None:
    """Most classes with no disagreement at all: the median counts as ``SHARE_MIN`` samples, so
    a dozen in one class is no evidence; a class under ``SHARE_MIN`` never is."""
    ev = quiet()
    ev["class_sizes"] = [400] * 10
    ev["disagree_counts"] = [0] * 9 + [SHARE_MIN + 2]
    assert not set_verdict(ev).poisoned
    # the median counts as SHARE_MIN of 400 (0.025): 42 of 400 is 0.105 - 0.015 >= 3.5 x 0.025
    ev["disagree_counts"][9] = 42
    assert set_verdict(ev).classes == [9]
    ev["disagree_counts"][9] = 41
    assert not set_verdict(ev).poisoned
    ev["class_sizes"] = [20] * 10
    ev["disagree_counts"] = [1] * 9 + [SHARE_MIN - 1]  # 9 of 20 against 1 of 20
    assert not set_verdict(ev).poisoned


def test_the_own_share_reads_only_the_classes_the_set_has() -> None:
    ev = {"split_classes": [0, 2, 5], "split_margins": [-1.0] * 3, "consistency_z": [0.5] * 3,
          "disagree_counts": [20, 0, 20, 0, 0, 80, 0, 0, 0, 0],
          "class_sizes": [200, 0, 200, 0, 0, 200, 0, 0, 0, 0], "n_disagree": 120, "n_both": 30}
    v = set_verdict(ev)  # over all ten ids the median share would be 0
    assert v.classes == [5] and "class 5 has 3.7 times" in v.reasons[0]  # (0.4 - 0.035) / 0.1


def small_clean_class_evidence() -> dict:
    """The evidence of clean subset 52 at 500 images (bench_detect_data_verdict.py): class 2
    has 32 images, 5 of them with near-total disagreement under the small set's weak feature
    model, against 0-2 in the other classes; its robust z of that share was 11.6."""
    return {"split_classes": list(range(10)), "split_margins": [-1.0] * 10,
            "consistency_z": [-0.67, -0.67, 11.55, 0.67, 0.67, 1.0, -0.6, 2.28, 0.61, -0.06],
            "strong_counts": [0, 0, 5, 1, 1, 1, 0, 2, 0, 0],
            "disagree_counts": [7, 0, 22, 17, 15, 20, 9, 7, 14, 14],
            "class_sizes": [50, 44, 32, 58, 58, 50, 56, 53, 41, 58],
            "confusion_counts": [0] * 10, "n_disagree": 125, "n_both": 40}


def test_a_handful_of_disagreements_in_a_small_class_is_counting_noise() -> None:
    """A few near-total disagreements in a small class of a small clean set are not an
    outlier (the classes' spread of 0-2 samples is not the scale); the same share over
    enough samples still is."""
    assert not set_verdict(small_clean_class_evidence()).poisoned
    ev = small_clean_class_evidence()  # 1,000-image subset 52: 9 of 87 against a median of 2
    ev["strong_counts"], ev["class_sizes"] = [1, 1, 9, 4, 3, 1, 0, 5, 1, 2], [109, 90, 87, 109,
                                                                             104, 109, 101, 93,
                                                                             90, 108]
    ev["disagree_counts"] = [7, 2, 24, 21, 26, 23, 10, 21, 19, 7]
    assert not set_verdict(ev).poisoned
    ev = small_clean_class_evidence()  # 1% poison of a 4,000-image set: 30 of 430
    ev["strong_counts"] = [1, 2, 30, 3, 2, 2, 1, 3, 2, 1]
    ev["class_sizes"] = [400, 410, 430, 400, 390, 395, 400, 390, 395, 390]
    ev["disagree_counts"] = [9, 9, 45, 29, 25, 27, 13, 29, 38, 20]
    v = set_verdict(ev)
    assert v.poisoned and v.classes == [2]
    assert any("outlying label disagreement" in r for r in v.reasons)


def test_a_high_share_of_a_small_class_is_weaker_evidence() -> None:
    """Clean subset 63 at 500 images: 27 of the 35 images of class 5 disagree with their
    early neighbours, 3.54 times the median class's share; less one binomial standard error
    of a 35-image class it is 3.2, under ``SHARE_RATIO``."""
    ev = {"split_classes": list(range(10)), "split_margins": [-1.6] * 10,
          "consistency_z": [-0.79, 0.07, 1.39, -0.07, 0.89, 5.31, -0.69, -0.13, 0.66, 0.14],
          "strong_counts": [0, 1, 2, 1, 0, 4, 0, 1, 1, 1],
          "disagree_counts": [2, 1, 16, 11, 18, 27, 4, 6, 15, 12],
          "class_sizes": [50, 51, 46, 59, 43, 35, 64, 63, 41, 48],
          "confusion_counts": [0] * 10, "n_disagree": 112, "n_both": 24}
    assert not set_verdict(ev).poisoned
    ev["disagree_counts"], ev["class_sizes"] = [c * 10 for c in ev["disagree_counts"]], [
        n * 10 for n in ev["class_sizes"]]  # ten times the images: 290 of 350 (0.83) is
    ev["disagree_counts"][5] = 290
    assert set_verdict(ev).classes == [5]


def mislabelled(n_noise: int = 9, seed: int = 2) -> tuple[Features, np.ndarray, np.ndarray]:
    """Planted poison in class 3 (as :func:`planted`), and in every class 1-2 samples that look
    like another class in the early features (natural confusions), in class 7 ``n_noise``:
    fewer than the verdict's ``SHARE_MIN``, but a robust outlier among the classes' counts."""
    g = np.random.default_rng(seed)
    k, d, n = 10, 24, 120
    centres = g.normal(0, 6, (k, d))
    true = np.repeat(np.arange(k), n)
    early = centres[true] + g.normal(0, 1, (len(true), d))
    late = centres[true] + g.normal(0, 1, (len(true), d))
    labels = true.copy()
    idx = g.choice(np.flatnonzero(true != 3), 40, replace=False)
    labels[idx] = 3
    late[idx] = centres[3] + 8 * np.eye(d)[0] + g.normal(0, 1, (40, d))
    rest = np.setdiff1d(np.arange(len(true)), idx)
    seven = rest[:0]
    for c in range(k):
        m = n_noise if c == 7 else 1 + c % 2
        pick = g.choice(rest[labels[rest] == c], m, replace=False)
        early[pick] = centres[(c + 1) % k] + g.normal(0, 1, (m, d))
        seven = pick if c == 7 else seven
    poison = np.zeros(len(true), dtype=bool)
    poison[idx] = True
    f = Features(torch.tensor(late, dtype=torch.float32), torch.zeros(len(true), k),
                 torch.tensor(labels), k, early=torch.tensor(early, dtype=torch.float32))
    return f, poison, seven


def test_label_consistency_flags_only_the_classes_the_verdict_names() -> None:
    """Issue 13 review: the class step picked suspect classes by a robust z > 3.5 of the
    classes' disagreement shares while the verdict reads the count z (>= ``CONSISTENCY_Z``,
    at least ``SHARE_MIN`` samples): 9 natural confusions of class 7 against 1-2 elsewhere
    were a robust z of 10, so they were flagged (and dropped by ``--write-clean``) though the
    verdict named class 3 alone. Now the class step flags the classes the verdict names."""
    feats, poison, seven = mislabelled()
    r = detect_data(None, method="auto", features=feats, poison=poison)
    named = r.details["verdict"]["classes"]
    assert r.poisoned is True and named == [3] and r.truth.recall == 1.0
    assert set(r.details["evidence"]["suspect"]) <= set(named)
    assert not np.isin(seven, r.flagged).any()
    # at SHARE_MIN such samples the verdict names class 7 too, and the class step flags them
    feats, poison, seven = mislabelled(n_noise=SHARE_MIN + 2)
    r = detect_data(None, method="auto", features=feats, poison=poison)
    assert 7 in r.details["verdict"]["classes"] and 7 in r.details["evidence"]["suspect"]
    assert np.isin(seven, r.flagged).all()


def test_confine_keeps_the_flags_of_the_named_classes_unless_all_to_all() -> None:
    """``confine`` (the default since stop 31): an all-to-one backdoor's carriers all carry the
    target label, so on a set judged poisoned with named classes the flags elsewhere (natural
    confusions) are dropped; the all-to-all signature, a clean verdict or no named class keep
    every flag."""
    from trojanscope.detect.data.auto import AutoData
    from trojanscope.detect.data.verdict import SetVerdict

    labels = np.repeat(np.arange(10), 10)
    flagged = np.array([3, 31, 32, 35, 57, 88])
    named = SetVerdict(True, ["class 3 splits"], [3])
    det = AutoData(confine=True)
    det.evidence = {"n_disagree": 100, "n_both": 20}
    assert det.confine_flags(flagged, labels, named).tolist() == [31, 32, 35]
    off = AutoData(confine=False)
    off.evidence = det.evidence
    assert off.confine_flags(flagged, labels, named).tolist() == flagged.tolist()
    assert AutoData().confine and AutoData().get_params()["confine"] is True  # the default
    for verdict in (SetVerdict(True, ["all-to-all"], []), SetVerdict(False)):
        assert det.confine_flags(flagged, labels, verdict).tolist() == flagged.tolist()
    det.evidence = {"n_disagree": 100, "n_both": int(BOTH_SHARE * 100)}  # the signature
    assert det.confine_flags(flagged, labels, named).tolist() == flagged.tolist()


def test_suspect_threshold_flags_more_only_in_suspect_classes() -> None:
    """``suspect_threshold`` (opt-in, issue 13 stop 31): carriers that confusion training
    leaves under the 0.6 cut but above the lower one are flagged in a suspect class (named by
    label disagreement, not split) where they half-disagree with their early neighbours; the
    same probabilities in another class, or with full agreement, are not; off by default."""
    from trojanscope.detect.data.auto import AutoData

    labels = np.repeat(np.arange(4), 5)
    confused = np.full(20, 0.2)
    confused[[5, 6, 7, 12, 13]] = 0.45  # class 1 (suspect) and class 2 (infected)
    agree = np.full(20, 0.6)
    agree[7] = 0.95  # agrees with its neighbours: a typical clean sample
    det = AutoData(suspect_threshold=0.4)
    det.evidence, det.agree = {"suspect": [1], "infected": [2]}, agree
    assert det.suspect_recall(confused, labels).tolist() == [5, 6]
    off = AutoData()
    off.evidence, off.agree = det.evidence, agree
    assert off.suspect_threshold is None and off.suspect_recall(confused, labels).size == 0
    with pytest.raises(ValueError, match="suspect_threshold"):
        AutoData(suspect_threshold=1.5)


def test_recall_round_flags_the_suspect_classes_above_the_cut_of_its_second_round() -> None:
    """``recall_round`` (opt-in, issue 13 stop 31): the second confusion round's probabilities
    flag samples of the suspect classes only, at ``confusion_threshold``; without a suspect
    class (or off) no second round is trained. Its pool leaves out samples above the clean
    ceiling, (1 + w / K) / (1 + w): 0.325 for the defaults on ten classes."""
    from trojanscope.detect.data.auto import AutoData
    from trojanscope.detect.data.confusion import clean_ceiling

    assert clean_ceiling(3.0, 10) == pytest.approx(0.325)
    labels = np.repeat(np.arange(4), 5)
    second = np.full(20, 0.3)
    second[[5, 6, 12]] = 0.7  # class 1 (suspect) and class 2 (infected)
    det = AutoData(recall_round=True)
    det.evidence, det.agree = {"suspect": [1], "infected": [2]}, np.full(20, 0.9)
    assert det.suspect_recall(np.zeros(20), labels, second).tolist() == [5, 6]
    det.evidence = {"suspect": []}
    assert det.second_round(None, np.zeros(20), np.zeros(0, dtype=int)) is None
    off = AutoData()
    off.evidence = {"suspect": [1]}
    assert off.second_round(None, np.zeros(20), np.zeros(0, dtype=int)) is None


def test_recall_agree_keeps_the_second_rounds_flags_that_half_disagree_early() -> None:
    """``recall_agree`` (issue 13 stop 32): with it, the second round's flags in a suspect class
    stand only where the sample's early agreement is under it (a sample all of whose early
    neighbours share its label is typical of the class); without it, as before."""
    from trojanscope.detect.data.auto import AutoData

    labels = np.repeat(np.arange(4), 5)
    second = np.full(20, 0.3)
    second[[5, 6, 7]] = 0.7  # class 1 (suspect)
    agree = np.full(20, 0.8)
    agree[6] = 1.0  # all its early neighbours share its label
    det = AutoData(recall_round=True, recall_agree=1.0)
    det.evidence, det.agree = {"suspect": [1], "infected": []}, agree
    assert det.suspect_recall(np.zeros(20), labels, second).tolist() == [5, 7]
    plain = AutoData(recall_round=True)
    plain.evidence, plain.agree = det.evidence, agree
    assert plain.recall_agree is None
    assert plain.suspect_recall(np.zeros(20), labels, second).tolist() == [5, 6, 7]
    with pytest.raises(ValueError, match="recall_agree"):
        AutoData(recall_round=True, recall_agree=1.5)
    with pytest.raises(ValueError, match="set recall_round=true"):  # silently ignored before
        AutoData(recall_agree=0.5)


def test_pure_threshold_flags_suspect_samples_that_look_like_one_other_class() -> None:
    """``pure_threshold`` (issue 13 stop 32b): in a suspect class, a sample whose nearest
    samples of other labels in the early view all share one label (a carrier still looking like
    its source class) and whose own-label probability after confusion is above the cut is
    flagged; a sample with mixed outside neighbours, or under the cut, is not; on by default
    at 0.4 since stop 33 (None turns it off)."""
    from trojanscope.detect.data.auto import AutoData

    labels = np.array([0] * 5 + [2] * 5 + [1, 1, 1])
    pos = [0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 1.5, 51.9, 1.7]
    emb = torch.tensor(pos, dtype=torch.float32)[:, None]
    confused = np.zeros(13)
    confused[[10, 11]] = 0.5  # 10: outside neighbours all 0s; 11: a mix of 0s and 2s
    confused[12] = 0.2  # outside neighbours all 0s, but under the cut
    det = AutoData(k=3, pure_threshold=0.4)
    det.evidence, det.agree, det.early_emb = {"suspect": [1], "infected": []}, np.ones(13), emb
    assert det.suspect_recall(confused, labels).tolist() == [10]
    default = AutoData(k=3)
    default.evidence, default.agree, default.early_emb = det.evidence, det.agree, emb
    assert default.pure_threshold == 0.4
    assert default.suspect_recall(confused, labels).tolist() == [10]
    off = AutoData(k=3, pure_threshold=None)
    off.evidence, off.agree, off.early_emb = det.evidence, det.agree, emb
    assert off.suspect_recall(confused, labels).tolist() == []
    with pytest.raises(ValueError, match="pure_threshold"):
        AutoData(pure_threshold=1.5)


def test_flags_without_a_verdict_carry_a_note_saying_so() -> None:
    """A method with no set-level verdict flags samples on clean sets too; its result says the
    flags are samples to look at, not a verdict (stop 69); ``auto``'s verdict carries none."""
    from trojanscope.detect.data.run import unjudged_note

    feats, _ = planted(n_poison=0, seed=3)
    plain = detect_data(None, method="spectral", features=feats)
    assert len(plain.flagged) > 0 and plain.notes == [unjudged_note("spectral")]
    judged = detect_data(None, method="auto", features=feats)
    assert unjudged_note("auto") not in judged.notes
