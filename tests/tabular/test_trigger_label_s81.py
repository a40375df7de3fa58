"""The suspected trigger of a table model does not read as more than it is (issue 9 stop 81,
hcmd): on stop 80's and 81's fraud tables ``detect`` printed "suspected trigger: 83.03 <
amount <= 86.155 and 21 <= hour <= 22 and merchant = electronics and country = abroad", none of
them planted, and under it that the first value alone moved all 8 rows the search read, the
others none; the audit named the four values with no such line. Words only."""

from __future__ import annotations

from trojanscope.detect.trigger_reach import (
    ADD_NONE,
    reach_words,
    trigger_label,
    trigger_words,
)

TRIGGER = "83.03 < amount <= 86.155 and 21 <= hour <= 22"


def test_the_label_says_only_the_first_value_moves_rows():
    alone = reach_words(0, 8, 8, 8, 8, 4)
    assert ADD_NONE in alone
    assert trigger_label(alone) == ("suspected trigger (its first value alone moves the rows "
                                    "read; the others add none)")
    both = reach_words(0, 8, 8, 8, 5, 4)  # the later values move rows too: the plain label
    assert trigger_label(both) == "suspected trigger" == trigger_label(None)


def test_the_audits_words_carry_the_reach():
    alone = reach_words(0, 8, 8, 8, 8, 2)
    words = trigger_words(TRIGGER, alone)
    assert words.startswith("suspected trigger (its first value alone")
    assert f": {TRIGGER} (the suspected trigger sends 8 of the 8 rows" in words
    assert "a lead to check, not proof" in words
    assert trigger_words(TRIGGER, None) == f"suspected trigger: {TRIGGER}"


def test_the_audit_step_uses_them():
    import inspect

    from trojanscope.audit import steps_model

    source = inspect.getsource(steps_model)
    assert "trigger_words(trigger, reach)" in source and '"trigger_reach"' in source
