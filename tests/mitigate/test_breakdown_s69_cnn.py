"""``benchmarks/breakdown_s69_cnn.py`` (issue 12, stop 69: h12c): the stage table of today's
treated rows only, and one ``error:`` line with exit 2 for a bad call."""

from __future__ import annotations

import json

import pytest
from test_check_s66_cnn import refused_in_one_line


def _row(model: str, cpu: float, detector: float, first: float | None) -> dict:
    parts = {"detector": detector}
    if first is not None:
        parts["first stage (FT-SAM)"] = first
    return {"model": model, "cpu_s": cpu, "parts_cpu_s": parts}


def test_the_stage_table_reads_todays_treated_rows_only(load_benchmark, tmp_path) -> None:
    script = load_benchmark("breakdown_s69_cnn")
    today, other = tmp_path / "today.json", tmp_path / "cand.json"
    today.write_text(json.dumps({"settings": {}, "rows": [
        _row("a", 100.0, 20.0, 10.0), _row("b", 80.0, 30.0, 14.0),
        _row("clean", 20.0, 20.0, None)]}))  # passed by the detector: not treated
    other.write_text(json.dumps({"settings": {"fast_conv": 6}, "rows": [
        _row("a", 50.0, 20.0, 5.0)]}))
    rows = script.treated_rows([today, other])
    assert [r["model"] for r in rows] == ["a", "b"]
    last = script.stage_table(rows).splitlines()[-1]
    assert last.startswith("| median | 2 rows | 90.0 | 25.0 (28%) | 12.0 (13%) |")


@pytest.mark.parametrize("argv, word", [
    ([], "expected"),
    (["stored"], "one file"),
    (["stored", "no.json"], "no.json"),
    (["detector", "nozoo", "o.json", "sig-000"], "no zoo"),
    (["detector", "ZOO", "nodir/o.json", "sig-000"], "no such folder"),
    (["detector", "ZOO", "o.json", "sig-009"], "no such model folder")])
def test_breakdown_refuses_a_bad_call_in_one_line(load_benchmark, tmp_path, capsys, argv,
                                                  word) -> None:
    script = load_benchmark("breakdown_s69_cnn")
    (tmp_path / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    (tmp_path / "sig-000").mkdir()
    argv = [str(tmp_path) if a == "ZOO" else str(tmp_path / a)
            if a.startswith(("no", "o.")) else a for a in argv]
    refused_in_one_line(script, argv, capsys, word, tmp_path / "o.json")
