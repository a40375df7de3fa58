"""A trigger that moves most of too few test inputs is "too few to tell", not "not backdoored"
(stop 78 first contact, hcmd: `--attack-param copies=10` on a user's 300-row credit table moved
9 of the 9 movable test inputs, and the note read "by that rule this model is not backdoored"
and asked for more copies, which add no test input)."""

from __future__ import annotations

from trojanscope.cli.experiment_opts import untaken_notes


def test_most_of_too_few_inputs_reads_too_few_to_tell() -> None:
    (note,) = untaken_notes({"flip_rate": 1.0, "n_flippable": 9}, copies=True)
    assert note.startswith("the trigger moved 9 of the 9 test inputs it could move (100%)")
    assert "9 are too few to tell whether it took" in note
    assert "not backdoored" not in note and "copies=N" not in note
    assert "a larger table gives the test split more of them" in note
    (image,) = untaken_notes({"flip_rate": 0.5, "n_flippable": 4}, table=False)
    assert "too few to tell" in image and "a larger data set" in image


def test_too_few_of_many_keeps_its_words() -> None:
    (note,) = untaken_notes({"flip_rate": 0.2, "n_flippable": 5}, copies=True)
    assert "not backdoored" in note and "copies=N" in note
