"""``benchmarks/mitigate_read_rule.py`` (stop 59: one script for stops 56–58's per-stop
``read_rule.py`` copies): each clause of the rule, the size clause, and its command line; stop
64's ``--time-add``."""

from __future__ import annotations

import json
from pathlib import Path

from script_run import run_script

CAND = "gated:new=1"


def _row(name: str, *, asr_after: float | None, ca_after: float = 0.99,
         elapsed: float = 30.0) -> dict:
    return {"name": name, "attack": None if asr_after is None else "badnets",
            "backdoored": asr_after is not None, "clean_samples": 800, "ca_before": 1.0,
            "ca_after": ca_after, "asr_before": None if asr_after is None else 1.0,
            "asr_after": asr_after, "elapsed_s": elapsed}


def _pooled(today: list[dict], cand: list[dict]) -> dict:
    return {"gated": {"rows": today}, CAND: {"rows": cand}}


def test_a_gain_with_nothing_lost_meets_the_rule(load_benchmark) -> None:
    rule = load_benchmark("mitigate_read_rule")
    today = [_row("a", asr_after=0.05), _row("b", asr_after=0.01), _row("c", asr_after=None)]
    cand = [_row("a", asr_after=0.01), _row("b", asr_after=0.01), _row("c", asr_after=None)]
    lines = rule.rule_lines(_pooled(today, cand), CAND)
    assert lines[0] == "pairs read: 3 (2 backdoored, 1 clean)"
    assert lines[1] == ("(A) backdoored at the goal 2/2 (candidate) vs 1/2 (today); "
                        "gained ['a']: met")
    assert lines[-1] == "rule met"


def test_each_clause_can_fail_and_the_size_clause_reads_the_backdoored_pairs(
        load_benchmark) -> None:
    rule = load_benchmark("mitigate_read_rule")
    today = [_row("a", asr_after=0.01), _row("b", asr_after=0.01), _row("c", asr_after=None),
             _row("gone", asr_after=0.0)]  # no candidate row: not a pair
    cand = [_row("a", asr_after=0.05, elapsed=300.0), _row("b", asr_after=0.05, elapsed=300.0),
            _row("c", asr_after=None, ca_after=0.98, elapsed=300.0)]
    lines = rule.rule_lines(_pooled(today, cand), CAND, min_backdoored=3)
    assert lines[0] == "pairs read: 3 (2 backdoored, 1 clean)"
    assert [line.rsplit(": ", 1)[1] for line in lines[1:5]] == ["not met"] * 4
    assert lines[5] == "rule not met"
    assert lines[6] == "backdoored pairs read: 2: fewer than 3: the rule is not met"


def test_the_stored_stop_58_reading_is_reproduced(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "mitigate_s58"
    done = run_script("mitigate_read_rule.py", root / "fresh-pooled.json",
                      "--candidate", "gated:sparse_last=1", "--min-backdoored", "6")
    assert done.returncode == 0, done.stderr
    stored = (root / "rule.log").read_text().splitlines()[:7]
    assert done.stdout.splitlines() == stored


def test_a_method_the_file_lacks_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "pooled.json"
    path.write_text(json.dumps(_pooled([], [])))
    done = run_script("mitigate_read_rule.py", path, "--candidate", "gated:other=1")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        "no rows for 'gated:other=1'; methods: gated, gated:new=1")


def test_the_time_clause_reads_its_ratio_and_floor(load_benchmark) -> None:
    """Stop 61's (D): "not above today's" (ratio 1, no floor) refuses a candidate 10% slower
    that the old clause (1.2 times, or 60 s) lets through."""
    rule = load_benchmark("mitigate_read_rule")
    today = [_row("a", asr_after=0.01, elapsed=80.0), _row("b", asr_after=None, elapsed=80.0)]
    cand = [_row("a", asr_after=0.01, elapsed=88.0), _row("b", asr_after=None, elapsed=88.0)]
    old = rule.rule_lines(_pooled(today, cand), CAND)
    new = rule.rule_lines(_pooled(today, cand), CAND, time_ratio=1.0, time_floor=0.0)
    assert old[4] == "(D) median time 88.0 s (candidate) vs 80.0 s (today): met"
    assert new[4] == "(D) median time 88.0 s (candidate) vs 80.0 s (today): not met"


def test_a_bad_time_ratio_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "pooled.json"
    path.write_text(json.dumps(_pooled([], [])))
    done = run_script("mitigate_read_rule.py", path, "--candidate", CAND, "--time-ratio", "0")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        "--time-ratio must be above 0, --time-floor and --time-add at least 0, got 0.0, 60.0 "
        "and 0.0")


def test_the_time_clause_can_read_cpu_seconds(load_benchmark, tmp_path: Path) -> None:
    """Stop 62's (D): the rows' process CPU seconds, at most 1.1 times today's: a candidate
    slower on the wall clock (a busier moment) but not in CPU passes; a row without CPU seconds
    (written before stop 62) is refused, in one line from the shell."""
    rule = load_benchmark("mitigate_read_rule")
    today = [{**_row("a", asr_after=0.01, elapsed=80.0), "cpu_s": 40.0},
             {**_row("b", asr_after=None, elapsed=80.0), "cpu_s": 40.0}]
    cand = [{**_row("a", asr_after=0.01, elapsed=120.0), "cpu_s": 43.0},
            {**_row("b", asr_after=None, elapsed=120.0), "cpu_s": 43.0}]
    wall = rule.rule_lines(_pooled(today, cand), CAND, time_ratio=1.1, time_floor=0.0)
    cpu = rule.rule_lines(_pooled(today, cand), CAND, time_ratio=1.1, time_floor=0.0,
                          time="cpu")
    assert wall[4].endswith("not met")
    assert cpu[4] == "(D) median CPU time 43.0 s (candidate) vs 40.0 s (today): met"
    path = tmp_path / "pooled.json"
    path.write_text(json.dumps(_pooled([_row("a", asr_after=0.01)], cand)))
    done = run_script("mitigate_read_rule.py", path, "--candidate", CAND, "--time", "cpu")
    assert done.returncode == 2 and "a: no CPU seconds" in done.stderr.strip().splitlines()[-1]


def test_the_time_clause_allows_the_new_steps_stated_seconds(load_benchmark,
                                                             tmp_path: Path) -> None:
    """Stop 64's (D): 1.1 times today's CPU median plus the step's stated 1 s: 10.0 -> 12.0
    allowed, 12.1 not; a negative allowance is one error line."""
    rule = load_benchmark("mitigate_read_rule")
    today = [{**_row("a", asr_after=0.01), "cpu_s": 10.0}]
    for cpu, word in ((12.0, "met"), (12.1, "not met")):
        cand = [{**_row("a", asr_after=0.01), "cpu_s": cpu}]
        line = rule.rule_lines(_pooled(today, cand), CAND, time_ratio=1.1, time_floor=0.0,
                               time="cpu", time_add=1.0)[4]
        assert line == (f"(D) median CPU time {cpu:.1f} s (candidate) vs 10.0 s (today), "
                        f"allowed 12.0 s: {word}")
    path = tmp_path / "pooled.json"
    path.write_text(json.dumps(_pooled([], [])))
    done = run_script("mitigate_read_rule.py", path, "--candidate", CAND, "--time-add", "-1")
    assert done.returncode == 2 and "--time-add at least 0" in done.stderr
