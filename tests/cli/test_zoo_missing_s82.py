"""A zoo command on a folder that does not exist says so and how to make one (issue 9 stop 82,
hcmd: docs/mitigation.md's first block runs `zoo eval-mitigation zoo/mitigation` and a new
user, with no zoo yet, read "not a zoo (no truth.json)")."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.errors import UserInputError
from trojanscope.zoo import read_truth


def test_a_missing_folder_is_named_with_the_command_that_makes_it(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no such folder") as err:
        read_truth(tmp_path / "zoo" / "mitigation")
    assert "not a zoo" in str(err.value) and "trojanscope zoo make" in str(err.value)
    with pytest.raises(UserInputError) as here:  # a folder without truth.json: as before
        read_truth(tmp_path)
    assert "no truth.json" in str(here.value) and "no such folder" not in str(here.value)


def test_the_cli_line_exits_2_in_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    from trojanscope.cli.main import run

    monkeypatch.chdir(tmp_path)
    code = run(["zoo", "eval-mitigation", "zoo/mitigation", "--method", "ftsam"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "Traceback" not in err and len(err.splitlines()) <= 2, err
    assert "zoo/mitigation: not a zoo: no such folder" in err
