"""Both module paths run the CLI: ``python -m trojanscope`` and ``python -m trojanscope.cli.main``
(the second printed nothing and exited 0 until stop 48)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["trojanscope", "trojanscope.cli.main"])
def test_module_runs_the_cli(module: str) -> None:
    done = subprocess.run([sys.executable, "-m", module, "scan", "/no/such/file.pt"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no/such/file.pt" in done.stderr
