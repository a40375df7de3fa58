"""Issue 9, stop 74 (hnote): the excess term's lowering said in words (``excess_note``), read
from the verdict's features alone; the probability and the verdict are what they were without
the note's record. Hand-built features, no training."""

from __future__ import annotations

import copy

import pytest
from test_class_excess import BN00, _cals, _term, _verdict, _with_ratios

from trojanscope.detect import calibration
from trojanscope.detect.class_excess import (
    EXCESS,
    EXCESS_BEFORE,
    EXCESS_LOGIT,
    RATIO,
    excess_note,
    excess_term,
)
from trojanscope.detect.logits import shift_logit


def test_the_note_says_from_what_to_what_at_which_class_and_against_what() -> None:
    features = {f"{RATIO}{c}": r for c, r in enumerate([1.0, 0.9, 1.0, 1.2, 1.0, 1.41])}
    features.update({EXCESS: 0.42, EXCESS_LOGIT: -3.6, EXCESS_BEFORE: 0.185})
    note = excess_note(features)
    assert note is not None
    assert note.startswith(f"probability lowered from 0.185 to {shift_logit(0.185, -3.6):.3f} "
                           "by the calibration's excess term")
    assert "top class 5 is one clean models of this kind lean to" in note
    assert "1.41 times the median class's here, 0.99 in clean reference models" in note
    assert "(+0.42)" in note
    # a record from before stop 74 (no probability before the term): the logits instead
    del features[EXCESS_BEFORE]
    assert "lowered by 3.60 logits" in (excess_note(features) or "")
    # the term read but did not lower (or was not read): no note
    assert excess_note({k: v for k, v in features.items() if k != EXCESS_LOGIT}) is None


def test_calibrate_records_the_note_and_changes_no_figure(monkeypatch) -> None:
    """Seed 79's clean bn_cnn-00 against a hand-made reference (class 8 at 1.708 against 1.4):
    the term lowers it; the note names class 8 and the probability the term started from, and
    the verdict is the same as where the term recorded nothing for the note."""
    got = calibration.calibrate(_verdict(_with_ratios(BN00)), _cals(_term()))
    note = excess_note(got.features)
    assert note is not None and "top class 8" in note and "1.71 times" in note
    assert "1.40 in clean reference models" in note
    before = got.features[EXCESS_BEFORE]
    assert f"from {before:.3f} to {shift_logit(before, got.features[EXCESS_LOGIT]):.3f}" in note

    def unrecorded(verdict, calibrators, scored_by):  # the term as it was before stop 74
        lift = excess_term(verdict, calibrators, scored_by)
        verdict.features.pop(EXCESS_BEFORE, None)
        return lift

    monkeypatch.setattr(calibration, "excess_term", unrecorded)
    old = calibration.calibrate(_verdict(_with_ratios(BN00)), _cals(_term()))
    assert (old.probability, old.verdict, old.target_classes) == (
        got.probability, got.verdict, got.target_classes)
    assert old.features == {k: v for k, v in got.features.items() if k != EXCESS_BEFORE}
    assert old.coverage_notes == got.coverage_notes
    assert excess_note(old.features) is not None  # said in logits without the record


def test_calibrating_twice_keeps_no_stale_record() -> None:
    got = calibration.calibrate(_verdict(_with_ratios(BN00)), _cals(_term()))
    again = calibration.calibrate(copy.deepcopy(got), _cals(None))  # no excess term now
    assert EXCESS_BEFORE not in again.features and excess_note(again.features) is None
    assert again.probability == pytest.approx(
        calibration.calibrate(_verdict(_with_ratios(BN00)), _cals(None)).probability)


def test_detect_prints_it_beside_the_lower_note(capsys) -> None:
    from trojanscope.cli.commands.detect import print_table

    v = calibration.calibrate(_verdict(_with_ratios(BN00)), _cals(_term()))
    v.elapsed_s = 0.0
    print_table(v, "m.pt")
    out = " ".join(capsys.readouterr().out.split())
    assert "by the calibration's excess term: MM-BD's top class 8" in out
