"""Stop 80's rule for the mended ``--second-split`` with the probe off (hgd,
``benchmarks/data/mitigate_s80_hgd/rule.md``): the candidate's line composed from today's and
the second run's, the floors and each condition, read from lines as the script writes them."""

from __future__ import annotations

import json

import pytest

import mitigate_second_split_s80_hgd as script

STOP = script.GUARD_STOP


def line(seed: int, arm: str, asr: float, action: str = "all rounds", ca: float = 0.97,
         cpu: float = 20.0, rounds: int | None = 6) -> str:
    return json.dumps({"seed": seed, "arm": arm, "cpu_s": cpu, "action": action,
                       "rounds": rounds, "common": {"asr": asr, "ca": ca},
                       "own": {"after": {"asr": asr}}})


def write(tmp_path, rows: list[str]):
    path = tmp_path / "l.jsonl"
    path.write_text("\n".join(rows) + "\n")
    return [path]


@pytest.fixture
def small(monkeypatch):
    """A population of three draws with a floor of one guard stop."""
    monkeypatch.setattr(script, "POPULATION", 3)
    monkeypatch.setattr(script, "FLOOR", 1)


def test_the_candidate_keeps_a_second_run_only_where_its_stage_ran_on(tmp_path):
    rows = script.composed(script.s79.rows_of(write(tmp_path, [
        line(1, "today", 0.5, STOP, cpu=15.0), line(1, "seed1k", 0.0, cpu=25.0),
        line(2, "today", 0.08, STOP), line(2, "seed1k", 0.03, STOP),
        line(3, "today", 0.01, STOP), line(3, "seed1k", 1.0, "skipped: no backdoor left",
                                           rounds=None),
        line(4, "today", 0.0), line(4, "seed1k", 0.9),  # never read: 4 was not stopped
        line(5, "today", 0.3, STOP)])))  # no second run yet: no candidate line
    assert [rows[s]["second"]["common"]["asr"] for s in (1, 2, 3, 4)] == [0.0, 0.08, 0.01, 0.0]
    assert [rows[s]["second"]["second_split"]["kept"] for s in (1, 2, 3)] == [
        "second", "first", "first"]
    assert rows[1]["second"]["cpu_s"] == 40.0 and rows[4]["second"]["cpu_s"] == 20.0
    assert "second" not in rows[5]


def test_the_rule_is_met_where_a_stopped_draw_is_mended_and_none_lost(tmp_path, small):
    got = script.rule(write(tmp_path, [
        line(1, "today", 0.6, STOP), line(1, "seed1k", 0.0),
        line(2, "today", 0.0), line(3, "today", 0.01)]))
    assert got["goal"] == {"today": 2, "second": 3} and got["stopped"] == [1]
    assert got["outcome"] == "met", got["checks"]


def test_a_lost_draw_a_clean_drop_or_a_new_residue_fails_it(tmp_path, small):
    got = script.rule(write(tmp_path, [
        line(1, "today", 0.015, STOP, ca=0.97), line(1, "seed1k", 0.2, ca=0.955),
        line(2, "today", 0.0), line(3, "today", 0.6, STOP), line(3, "seed1k", 0.0)]))
    checks = got["checks"]
    assert got["lost"] == [1] and got["newly_above"] == [1] and got["clean_off"] == [1]
    assert not (checks["b_none_lost"] or checks["c_clean"] or checks["d_none_newly_above"])
    assert got["outcome"] == "not met"


def test_the_floors_come_first(tmp_path, small, monkeypatch):
    rows = [line(1, "today", 0.6, STOP), line(2, "today", 0.0), line(3, "today", 0.0)]
    assert script.rule(write(tmp_path, rows))["outcome"] == "not read: unfinished"
    assert script.rule(write(tmp_path, rows[1:]))["outcome"] == "not read: unfinished"
    monkeypatch.setattr(script, "FLOOR", 2)
    assert script.rule(write(tmp_path, rows))["outcome"] == "not read: too few"
