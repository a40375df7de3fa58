"""``benchmarks/first_contact_own.py``'s line runner (stop 62): a line past its limit is stopped
with every process it started, each line's CPU seconds are counted, and no line starts past the
deadline."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from first_contact_own import run_group, run_lines


def test_a_stopped_line_takes_what_it_started_with_it(tmp_path: Path) -> None:
    mark = tmp_path / "still-running"
    line = f"(sleep 1; touch {mark}) & echo started; wait"
    rc, out, _ = run_group(["bash", "-c", line], tmp_path, dict(os.environ), 0.3)
    assert rc is None and out == "started\n"
    time.sleep(1.3)
    assert not mark.exists()  # before stop 62 only bash was killed: its child ran on


def test_lines_report_cpu_seconds_and_stop_at_the_deadline(tmp_path: Path, capsys) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("# a comment\nexit 3\necho hi\n")
    run_lines(tmp_path, lines, 10.0)
    rows = [json.loads(r) for r in capsys.readouterr().out.splitlines()]
    assert [r["rc"] for r in rows] == [3, 0] and rows[1]["stdout_tail"] == ["hi"]
    assert all(r["cpu_s"] >= 0 for r in rows)
    run_lines(tmp_path, lines, 10.0, deadline=time.time() - 1)
    rows = [json.loads(r) for r in capsys.readouterr().out.splitlines()]
    assert [r["rc"] for r in rows] == ["not run: past the deadline"] * 2
