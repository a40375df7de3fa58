"""Starting the CLI does not import torch (hfc, stop 56): every command module is imported at the
start, and ``audit``'s import of the rating reached ``trojanscope.detect`` (whose package imports
torch and scipy) through one helper, so ``trojanscope history`` took 119 s of wall time at load 27
(7 s of CPU) and met the first contact's 300-s limit; torch is imported where a command needs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_cli_leaves_torch_out() -> None:
    code = ("import sys, trojanscope.cli.main as m; m._command(); "
            "import trojanscope.audit.rating, trojanscope.report.size_notes; "
            "print(sorted(n for n in "
            "('torch', 'scipy', 'trojanscope.detect') if n in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_size_note_still_reads_as_one() -> None:
    """The size note's prefix and test live in ``report.size_notes`` (torch-free, stop 58;
    imported inside functions at stop 56): a note ``detect`` writes still reads as one."""
    from trojanscope.detect.tabular_file_size import size_note
    from trojanscope.report.size_notes import unquoted_size_notes

    note = size_note(200, 891)
    assert note is not None
    assert unquoted_size_notes({"coverage_notes": [note, "other"]}, []) == [note]
    assert unquoted_size_notes({"coverage_notes": [note]}, [f"x ({note})"]) == []
