"""Stop 82's fresh check for ``gated:teach_last=N`` (issue 12, h12b): which runs it counts as
fired, and its refusals before any model is read."""

from __future__ import annotations

import pytest

from mitigate_teach_s82_check import TODAY, main, teach_fitted


@pytest.mark.parametrize("note, fired", [
    ({"teach_last": {"action": "fitted towards the input model's clean outputs, still "
                               "unlearning"}}, True),
    ({"teach_last": {"action": "none: the reversed trigger no longer turns the output"}}, False),
    ({"teach_last": {"action": "skipped: free_reach's step did not read the model"}}, False),
    ({}, False),
])
def test_only_a_fitted_teach_last_runs_todays_default_again(note, fired) -> None:
    """Where ``teach_last`` did not fit, the candidate's run is today's (the same computation):
    only a fit makes the check run today's default too."""
    assert teach_fitted(note) is fired


def test_todays_default_is_the_five_epochs_of_stop_64() -> None:
    assert TODAY == 5


def test_the_check_refuses_a_bad_zoo_or_setting_in_one_line(tmp_path, capsys) -> None:
    """One ``error:`` line and exit 2 before any model is read."""
    (tmp_path / "zoo").mkdir()
    (tmp_path / "zoo" / "truth.json").write_text("{}")
    for argv, words in ([str(tmp_path / "none"), str(tmp_path / "out.json")], "not a zoo"), (
            [str(tmp_path / "zoo"), str(tmp_path / "out.json"), "30"], "teach_last"), (
            [str(tmp_path / "zoo"), str(tmp_path / "out.json"), "2.5"], "teach_last"), (
            [str(tmp_path / "zoo"), str(tmp_path / "out.json"), "0"], "TEACH_LAST"):
        with pytest.raises(SystemExit) as done:
            main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert done.value.code == 2 and len(err) == 1 and words in err[0]
    assert not (tmp_path / "out.json").exists()
