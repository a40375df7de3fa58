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


def test_issue15_checks_bad_arguments_in_one_line_before_making_anything(
        tmp_path: Path, capsys, load_benchmark) -> None:
    """Stop 62 review (hrev): ``--make`` without a run folder ended with exit 1 and ``--until``
    not HH:MM in a traceback, each after ``WORK`` was made."""
    import pytest

    check = load_benchmark("issue15_check_s62")
    work = tmp_path / "work"
    for bad, says in ((["--make"], "--make needs --hub"),
                      (["--make", "--hub", str(tmp_path)], "--make needs --hub"),
                      (["--lines", str(tmp_path / "none.txt")], "no such file"),
                      (["--timeout", "0"], "--timeout must be above 0"),
                      (["--until", "17"], "--until must be HH:MM"),
                      (["--until", "25:00"], "--until must be HH:MM")):
        with pytest.raises(SystemExit) as end:
            check.main([str(work), *bad])
        err = capsys.readouterr().err
        assert end.value.code == 2 and says in err and len(err.splitlines()) == 1
        assert not work.exists()
    assert check.parse([str(work), "--until", "23:59"]).deadline is not None


def test_a_small_probability_keeps_its_exponent_in_the_table() -> None:
    """Stop 63: the table cut ``2.8946332207754497e-05`` to ``2.8946``."""
    from first_contact_table import gave

    kept = ('--- stdout (last 30,000 characters)\n{\n  "verdict": "clean",\n'
            '  "probability": 2.8946332207754497e-05,\n}\n--- stderr (last 30,000 characters)\n')
    assert gave({"rc": 0}, kept) == "verdict clean, probability 0.0000"
