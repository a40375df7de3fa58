"""Stop 44's review: ``gated``'s ``dense_near``/``near_free``/``near_mix`` and ``adaptive``'s
``near`` refused in one error line (exit 2) from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_mitigate import folders  # noqa: F401  (the fixture)

from trojanscope.cli.main import run


@pytest.mark.parametrize("param", ["dense_near=9", "dense_near=abc", "dense_near=1.5",
                                   "near_free=2", "near_mix=maybe"])
def test_a_bad_near_option_is_one_line(folders: Path, capsys, param) -> None:  # noqa: F811
    out = folders / "never"
    code = run(["mitigate", str(folders / "zoo" / "bad"), "--data", str(folders / "clean.npz"),
                "--method", "gated", "-p", param, "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: ") and "\n" not in err
    assert param.split("=")[0] in err and not out.exists()
