"""An attack whose trigger moves fewer than the zoos' 50 % of at least 10 test inputs says so
(issue 16 stop 76, h16z: the README's LightGBM line on a user's 300-row table poisoned 3 rows,
moved 1 of 5 inputs, and `detect` read the model clean with no word on either side)."""

from __future__ import annotations

from trojanscope.cli.experiment_opts import untaken_notes


def test_a_trigger_that_moves_too_few_inputs_gets_a_note() -> None:
    (note,) = untaken_notes({"flip_rate": 0.2, "n_flippable": 5})  # the README's run
    assert note.startswith("the trigger moved 1 of the 5 test inputs it could move (20%)")
    assert "at least 50% of at least 10" in note and "--poison-rate" in note
    (few,) = untaken_notes({"flip_rate": 1.0, "n_flippable": 4})  # all of too few
    assert "moved 4 of the 4" in few
    (low,) = untaken_notes({"flip_rate": 0.3, "n_flippable": 40})  # too few of many
    assert "moved 12 of the 40" in low


def test_a_backdoor_that_took_or_a_clean_run_gets_none() -> None:
    assert untaken_notes({"flip_rate": 0.95, "n_flippable": 120}) == []
    assert untaken_notes({"flip_rate": 0.5, "n_flippable": 10}) == []  # at the zoos' bar
    assert untaken_notes({"clean_accuracy": 0.9}) == []  # a clean model: no attack figures
    assert untaken_notes({"flip_rate": None, "n_flippable": 0}) == []  # attack_notes' case
