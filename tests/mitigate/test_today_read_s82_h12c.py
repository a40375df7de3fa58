"""Stop 82 h12c's scripts: ``benchmarks/mitigate_today_s82_h12c_read.py`` (the read of today's
``gated`` on fresh user runs: floors, misses by kind) and the bad-input lines of it and of
``dev_s82_h12c_trace.py`` / ``dev_s82_h12c_table.py``."""

from __future__ import annotations

import json
from pathlib import Path

from script_run import run_script

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "mitigate_s82_h12c"


def _row(name: str, *, backdoored: bool, ca_after: float, asr_after: float | None = None,
         asr_before: float = 1.0) -> dict:
    before = {"ca": 0.9} | ({"asr": asr_before} if backdoored else {})
    after = {"ca": ca_after} | ({"asr": asr_after} if backdoored else {})
    return {"name": name, "variant": "today", "rc": 0, "backdoored": backdoored,
            "arch": "mlp", "data": "mnist", "poison_rate": 0.1 if backdoored else None,
            "target": 3 if backdoored else None, "before": before, "after": after,
            "cpu_s": 5.0}


def test_a_miss_is_told_by_kind(load_benchmark) -> None:
    read = load_benchmark("mitigate_today_s82_h12c_read")
    assert read.miss(_row("g", backdoored=True, ca_after=0.89, asr_after=0.0)) == ""
    assert read.miss(_row("c", backdoored=True, ca_after=0.85, asr_after=0.0)) == "accuracy"
    assert read.miss(_row("s", backdoored=True, ca_after=0.9, asr_after=0.03)) == "ASR"
    assert read.miss(_row("b", backdoored=True, ca_after=0.85, asr_after=0.03)) == "both"


def test_the_floors_can_fail(load_benchmark) -> None:
    read = load_benchmark("mitigate_today_s82_h12c_read")
    rows = {f"b{i}": _row(f"b{i}", backdoored=True, ca_after=0.9, asr_after=0.0)
            for i in range(12)}
    rows |= {f"c{i}": _row(f"c{i}", backdoored=False, ca_after=0.9) for i in range(12)}
    assert read.floors(rows)[1]
    weak = dict(rows, b0=_row("b0", backdoored=True, ca_after=0.9, asr_after=0.0,
                              asr_before=0.2))
    words, ok = read.floors(weak)
    assert not ok and "11 backdoored runs built with ASR >= 0.5 (need 12)" in words


def test_the_stored_read_is_reproduced() -> None:
    done = run_script("mitigate_today_s82_h12c_read.py", DATA / "fresh.jsonl")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (DATA / "read.log").read_text()


def test_bad_input_is_one_error_line(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps(_row("a", backdoored=False, ca_after=0.9) | {"variant": "x"})
                    + "\n")
    for script, args, words in (
            ("mitigate_today_s82_h12c_read.py", [tmp_path / "none.jsonl"], "no such rows file"),
            ("mitigate_today_s82_h12c_read.py", [rows], "no rows of variant 'today'"),
            ("dev_s82_h12c_table.py", [tmp_path / "none.jsonl"], "no such rows file"),
            ("dev_s82_h12c_trace.py", [tmp_path / "o.jsonl", f"a={tmp_path}@{rows}"],
             "not NAME=RUN_FOLDER@CLEAN.npz")):
        done = run_script(script, *args)
        assert done.returncode == 2, (script, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (script, lines)
