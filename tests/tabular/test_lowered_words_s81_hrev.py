"""Stop 81 review (hrev): the lower-only tree terms' notes (clean-look, lever, and h16's
group-heat, which wrote it a third time) open with one reading, ``tabular_gap_raise.
lowered_words`` ("probability lowered from P by N logits"), beside ``raised_words``; each note
reads as it did, word for word."""

from __future__ import annotations

import pytest

from trojanscope.detect import tabular_clean_look, tabular_group_heat, tabular_lever_term
from trojanscope.detect.tabular_gap_raise import lowered_words


def test_the_words_give_the_probability_before_and_the_logits_taken() -> None:
    assert lowered_words(0.6124, -1.2049) == "probability lowered from 0.612 by 1.20 logits"


@pytest.mark.parametrize("note, before, logit, reason", [
    (tabular_clean_look.look_note, tabular_clean_look.LOOK_BEFORE,
     tabular_clean_look.LOOK_LOGIT, "the tree's band features read like the flagged clean"),
    (tabular_lever_term.lever_note, tabular_lever_term.LEVER_BEFORE,
     tabular_lever_term.LEVER_LOGIT, "the trigger candidate flips clean twins trained on"),
    (tabular_group_heat.heat_note, tabular_group_heat.HEAT_BEFORE,
     tabular_group_heat.HEAT_LOGIT, "this file misses the tree's leaf groups more than"),
])
def test_each_note_opens_with_them_and_keeps_its_reason(note, before, logit, reason) -> None:
    said = note({before: 0.6124, logit: -1.2049})
    assert said.startswith(f"probability lowered from 0.612 by 1.20 logits: {reason}")
    assert note({before: 0.6124}) is None and note({}) is None
