"""``benchmarks/pool_mitigate_rows.py``: two zoos' committed rows become one population whose
model names carry their zoo, which ``ship_rule_mitigate.py`` then reads model by model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from test_ship_rule_mitigate import ship_here

ROOT = Path(__file__).resolve().parents[2]
A = ROOT / "benchmarks/data/mitigate_s40/fresh-2406.json"
B = ROOT / "benchmarks/data/mitigate_s41/fresh-2408.json"


def test_two_zoos_pool_into_one_population(load_benchmark, tmp_path, capsys) -> None:
    pool = load_benchmark("pool_mitigate_rows")
    a, b = json.loads(A.read_text()), json.loads(B.read_text())
    both = pool.pooled([(a, "2406"), (b, "2408")])
    assert set(both) == set(a) & set(b) == {"gated"}  # a method only one zoo ran is left out
    names = [r["name"] for r in both["gated"]["rows"]]
    assert len(names) == len(set(names)) == 26
    assert names[0] == "2406/" + a["gated"]["rows"][0]["name"] and names[13].startswith("2408/")
    out = tmp_path / "pooled.json"
    out.write_text(json.dumps(both))
    done = ship_here(load_benchmark, capsys, str(out), "--today", "gated", "--candidate",
                     "gated", "--strict")
    assert done.returncode == 0
    assert "(1) models at the goal: 12 (candidate) vs 12 (today): met" in done.stdout


def test_a_label_given_twice_is_refused(load_benchmark) -> None:
    """Two zoos under one label would give two models one name, which the rule's name-keyed
    comparison folds into one (hR4, stop 43)."""
    pool = load_benchmark("pool_mitigate_rows")
    a = json.loads(A.read_text())
    with pytest.raises(ValueError, match=r"2406.*twice"):
        pool.pooled([(a, "2406"), (a, "2406")])


def test_the_command_line_refuses_bad_parts_in_one_line(load_benchmark, tmp_path,
                                                        capsys) -> None:
    pool = load_benchmark("pool_mitigate_rows")
    out = tmp_path / "pooled.json"
    for parts, why in ([f"{A}:2406", f"{B}:2406"], "twice"), ([str(A)], "FILE:LABEL"), \
            ([f"{tmp_path / 'missing.json'}:x"], "missing.json"):
        argv = sys.argv
        sys.argv = ["pool_mitigate_rows.py", *parts, "--out", str(out)]
        try:
            with pytest.raises(SystemExit) as exc:
                pool.main()
        finally:
            sys.argv = argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert exc.value.code == 2 and why in err[-1] and "Traceback" not in "\n".join(err)
    assert not out.exists()
