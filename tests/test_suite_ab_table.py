"""``benchmarks/suite_ab_table_s62.py``: the A/B readings of ``suite_ab_s61.sh`` as tables."""

from __future__ import annotations

import json
from pathlib import Path

from script_run import run_script


def _side(out: Path, name: str, side: str, tests: dict[str, float], process: float) -> None:
    (out / f"{name}.{side}.json").write_text(json.dumps(
        {"counts": {"passed": len(tests)}, "cpu_s": process,
         "cpu_in_tests_s": round(sum(tests.values()), 2)}))
    (out / f"{name}.{side}.tsv").write_text("".join(
        f"{node}\t9\t{sec}\t0\t1\n" for node, sec in tests.items()))


def test_groups_and_tests_above_the_minimum(tmp_path: Path) -> None:
    _side(tmp_path, "g", "A", {"t.py::a": 4.0, "t.py::b": 0.2}, 10.0)
    _side(tmp_path, "g", "B", {"t.py::a": 1.5, "t.py::b": 0.3}, 7.0)
    _side(tmp_path, "lone", "A", {"u.py::c": 3.0}, 5.0)  # no B side: not a group
    res = run_script("suite_ab_table_s62.py", tmp_path, "--min", "1")
    assert res.returncode == 0, res.stderr
    assert "| g | 2 / 2 | 4.2 | 1.8 | -2.4 | 10.0 | 7.0 |" in res.stdout
    assert "| `t.py::a` | 4.00 | 1.50 |" in res.stdout
    assert "t.py::b" not in res.stdout and "lone" not in res.stdout
    res = run_script("suite_ab_table_s62.py", tmp_path / "none")
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "no group" in res.stderr
