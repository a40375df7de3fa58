"""``--debug`` written after the command is a usage error like any other: one line and a hint,
exit 2 — not the parser's traceback (hthr's named item, stop 78)."""
from __future__ import annotations

import pytest

from trojanscope.cli.main import run


def test_debug_after_the_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["list", "arch", "--debug"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: no such option: --debug",
                   "hint: --debug is an option of trojanscope itself: write it before the "
                   "command (trojanscope --debug list ...)"]


def test_a_usage_error_under_debug_is_still_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--debug", "list", "arch", "--nonsense"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: no such option: --nonsense")
