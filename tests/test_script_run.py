"""The in-process script runner answers as a new process would (tests/script_run.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from script_run import run_script

SCRIPT = '''import os, sys, warnings
what = sys.argv[1]
print("out", os.getcwd() if what == "cwd" else os.environ.get("ASKED", "-"))
if what == "error":
    print("error: bad value", file=sys.stderr)
    raise SystemExit(2)
if what == "crash":
    raise ValueError("boom")
if what == "message":
    sys.exit("stopped")
if what == "warn":
    warnings.warn("careful", UserWarning)
    warnings.warn("old", DeprecationWarning, stacklevel=2)
'''


@pytest.mark.parametrize("what", ["error", "crash", "message", "warn", "fine", "cwd"])
def test_same_answer_as_a_new_process(tmp_path: Path, what: str) -> None:
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    here = run_script(script, what, cwd=tmp_path, env={"ASKED": "yes"})
    there = subprocess.run([sys.executable, str(script), what], capture_output=True, text=True,
                           cwd=tmp_path, env={**os.environ, "ASKED": "yes"})
    assert here.returncode == there.returncode and here.stdout == there.stdout
    if what == "crash":  # the traceback's frames differ; its presence and last line do not
        assert "Traceback" in here.stderr
        assert here.stderr.splitlines()[-1] == there.stderr.splitlines()[-1] == "ValueError: boom"
    else:
        assert [line.split(": ", 1)[-1] for line in here.stderr.splitlines()] == [
            line.split(": ", 1)[-1] for line in there.stderr.splitlines()]
    assert "ASKED" not in os.environ and Path.cwd() != tmp_path


def test_check_raises_like_subprocess(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    with pytest.raises(subprocess.CalledProcessError):
        run_script(script, "error", check=True)
