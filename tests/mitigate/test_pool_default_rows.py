"""``benchmarks/pool_default_rows.py``: one default's rows over zoos whose files name it
differently (stop 51's candidate string before its rule, ``gated`` after) pooled and counted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
A = ROOT / "benchmarks/data/mitigate_s51a/fresh-2440.json"
B = ROOT / "benchmarks/data/mitigate_s52/fresh-2441.json"


def run(pool, argv: list[str]) -> None:
    old = sys.argv
    sys.argv = ["pool_default_rows.py", *argv]
    try:
        pool.main()
    finally:
        sys.argv = old


def test_each_part_gives_its_own_method(load_benchmark, tmp_path, capsys) -> None:
    pool = load_benchmark("pool_default_rows")
    out = tmp_path / "pooled.json"
    run(pool, ["--part", str(A), "2440", "gated:free_reach=0.15", "--part", str(B), "2441",
               "gated", "--name", "today", "--out", str(out)])
    rows = json.loads(out.read_text())["today"]["rows"]
    a = json.loads(A.read_text())["gated:free_reach=0.15"]["rows"]
    b = json.loads(B.read_text())["gated"]["rows"]
    assert [r["name"] for r in rows] == ([f"2440/{r['name']}" for r in a]
                                         + [f"2441/{r['name']}" for r in b])
    old = {r["name"]: r for r in json.loads(A.read_text())["gated"]["rows"]}
    assert rows[2 + 3]["name"] == "2440/sig-002"  # where stop 51's step changed the model
    assert rows[5]["asr_after"] == a[5]["asr_after"] != old["sig-002"]["asr_after"]
    assert rows[13]["ca_after"] == b[0]["ca_after"]
    text = capsys.readouterr().out
    goal = sum(r["backdoored"] and r["asr_after"] <= 0.02
               and r["ca_before"] - r["ca_after"] <= 0.02 for r in rows)
    assert f"| today | {goal + 6}/26 | {goal}/20 | 6/6 |" in text
    assert "2440/blended-006 1.5% (-2.8)" in text  # the default's row, not stop 51's 3.8%


def test_bad_parts_are_refused_in_one_line(load_benchmark, tmp_path, capsys) -> None:
    pool = load_benchmark("pool_default_rows")
    out = tmp_path / "pooled.json"
    for argv, why in ((["--part", str(A), "2440", "nope"], "no rows for nope"),
                      (["--part", str(A), "1", "gated", "--part", str(B), "1", "gated"],
                       "twice"),
                      (["--part", str(tmp_path / "missing.json"), "1", "gated"],
                       "missing.json")):
        with pytest.raises(SystemExit) as exc:
            run(pool, [*argv, "--name", "today", "--out", str(out)])
        err = capsys.readouterr().err.strip().splitlines()
        assert exc.value.code == 2 and len(err) == 1 and why in err[0]
    assert not out.exists()
