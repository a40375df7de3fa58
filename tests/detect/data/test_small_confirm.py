"""``auto``'s ``small_confirm`` (stop 71): on a set under the 500 samples the verdict was
calibrated on, a class is named only where two different signals name it; a lone split or a
lone confusion count is set aside and said in a note (fast: evidence written by hand, and
planted features)."""

from __future__ import annotations

import numpy as np

from trojanscope.detect.data import detect_data
from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.verdict import (
    CONFUSION_MIN,
    SPLIT_MARGIN,
    set_verdict,
    single_signal_findings,
)

from .test_verdict import quiet


def evidence(size: int, split: bool, confusion: bool) -> dict:
    """Quiet evidence on ten classes of ``size`` samples, class 4 split and/or kept."""
    ev = quiet()
    ev["class_sizes"] = [size] * 10
    if split:
        ev["split_margins"][4] = SPLIT_MARGIN + 2.0
    if confusion:
        ev["confusion_counts"][4] = CONFUSION_MIN + 2
    return ev


def test_one_signal_alone_names_no_class_on_a_small_set() -> None:
    for split, confusion in ((True, False), (False, True)):
        ev = evidence(20, split, confusion)
        assert set_verdict(ev).poisoned and set_verdict(ev).classes == [4]  # as before
        confirmed = set_verdict(ev, confirm_below=500)
        assert not confirmed.poisoned and confirmed.classes == []
        assert [c for c, _, _ in single_signal_findings(ev, 500)] == [4]


def test_two_signals_or_a_large_set_read_as_before() -> None:
    both = evidence(20, True, True)
    assert set_verdict(both, confirm_below=500).as_dict() == set_verdict(both).as_dict()
    assert set_verdict(both).classes == [4] and len(set_verdict(both).reasons) == 2
    large = evidence(50, True, False)  # 500 samples: calibrated, nothing set aside
    assert set_verdict(large, confirm_below=500).as_dict() == set_verdict(large).as_dict()
    assert single_signal_findings(large, 500) == []
    spread = {**quiet(), "class_sizes": [20] * 10, "n_disagree": 40, "n_both": 30}
    assert set_verdict(spread, confirm_below=500).poisoned  # the set-level signature stands


def test_the_detector_sets_a_lone_finding_aside_and_says_so() -> None:
    from .test_methods import planted

    feats, _ = planted(n_per_class=30, n_poison=0)  # 300 samples, clean
    method = AutoData(confusion=False, small_confirm=True)
    r = detect_data(None, method=method, features=feats)
    method.evidence["split_margins"][3] = SPLIT_MARGIN + 1.0  # a lone split, written in
    verdict = method.set_verdict()
    assert verdict is not None and not verdict.poisoned
    note = method.run_notes(10)[-1]
    assert note.startswith("on a set under 500 samples auto names a class only where two")
    assert "class 3 splits into two groups" in note
    assert r.poisoned is False and len(r.flagged) == 0
    assert np.array_equal(
        r.suspicion, detect_data(None, method=AutoData(confusion=False), features=feats
                                 ).suspicion)  # the scores are not the verdict's


def test_it_is_the_default_and_zero_gives_the_old_verdict() -> None:
    """Stop 71's rule was met (fresh seeds 79 and 80): on by default, off with 0."""
    assert AutoData().small_confirm is True and AutoData().confirm_below == 500
    assert AutoData(small_confirm=False).confirm_below == 0
    from trojanscope.detect.data.auto import AutoFeatures

    assert AutoFeatures().small_confirm is True
