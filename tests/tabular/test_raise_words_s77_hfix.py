"""A tree term's raise that does not show at the note's three decimals is said as such (stop 77
first contact, hcmd's (4): ``CLEAN … 0.00`` over "probability raised from 0.000 by 0.51
logits"), in ``detect``'s text, its JSON (``raised``) and the audit's ``raise_note``; a raise
that shows names where it ended."""

from __future__ import annotations

import pytest

from trojanscope.cli.commands.detect import json_notes, print_table
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.detect.calibration import raise_note
from trojanscope.detect.tabular_gap_raise import (
    FLIP_BEFORE,
    FLIP_LOGIT,
    GAP_BEFORE,
    GAP_LOGIT,
    raised_words,
)


def _verdict(before: float, logit: float, after: float) -> ModelVerdict:
    v = ModelVerdict("tabular-search", 1.0, [0, 1], [ClassResult(0, 1.0), ClassResult(1, 0.5)],
                     features={GAP_BEFORE: before, GAP_LOGIT: logit, "tab_gap": 0.568})
    v.probability = after
    return v


def test_a_raise_that_does_not_show_says_so() -> None:
    assert raised_words(0.0001, 0.51) == (
        "a raise of 0.51 logits left the probability at 0.000, where it was")
    assert raised_words(0.310, 0.44) == "probability raised from 0.310 to 0.411 by 0.44 logits"
    note = raise_note({FLIP_BEFORE: 0.00002, FLIP_LOGIT: 2.0, "tab_major_flip_1": 0.96})
    assert note is not None and note.startswith(
        "a raise of 2.00 logits left the probability at 0.000, where it was: one feature")


def test_detect_text_and_json_say_it(capsys: pytest.CaptureFixture) -> None:
    v = _verdict(0.0001, 0.51, 0.000166)
    capsys.readouterr()
    print_table(v, "fraud-model.json")
    out = " ".join(capsys.readouterr().out.split())
    assert "a raise of 0.51 logits left the probability at 0.000, where it was: the best" in out
    assert "raised from 0.000" not in out
    assert json_notes(v, None) == {"raised": raise_note(v.features)}
    shown = _verdict(0.2, 1.0, 0.405)
    assert json_notes(shown, None)["raised"].startswith(
        "probability raised from 0.200 to 0.405 by 1.00 logits: the best")
