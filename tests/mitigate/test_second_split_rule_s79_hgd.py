"""Stop 79's rule for ``mitigate --second-split`` (hgd): each condition read from the lines as
written, and the development choice (spent draws, lines run apart) keeps the seed-1 run only
where its guard did not stop it."""

from __future__ import annotations

import json

import mitigate_second_split_s79_hgd as script

STOP = script.GUARD_STOP


def line(seed: int, arm: str, asr: float, action: str = "all rounds", ca: float = 0.97,
         cpu: float = 20.0) -> str:
    return json.dumps({"seed": seed, "arm": arm, "cpu_s": cpu, "action": action,
                       "common": {"asr": asr, "ca": ca}, "own": {"after": {"asr": asr}}})


def write(tmp_path, name: str, rows: list[str]):
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return [path]


def test_the_rule_is_met_where_the_candidate_mends_a_draw_and_loses_none(tmp_path):
    paths = write(tmp_path, "l.jsonl", [
        line(1, "today", 0.0), line(1, "second", 0.0),
        line(2, "today", 0.6, STOP), line(2, "second", 0.0, cpu=40.0),
        line(3, "today", 0.0), line(3, "second", 0.0)])
    got = script.rule(paths)
    assert got["goal"] == {"today": 2, "second": 3} and got["left"] == {"today": 1, "second": 0}
    assert got["stopped"] == [2] and got["met"], got["checks"]
    assert got["worst_cpu_s"] == {"today": 20.0, "second": 40.0}


def test_a_draw_lost_a_ca_drop_or_the_median_cpu_fails_it(tmp_path):
    paths = write(tmp_path, "l.jsonl", [
        line(1, "today", 0.0), line(1, "second", 0.05, ca=0.94, cpu=30.0),
        line(2, "today", 0.6, STOP), line(2, "second", 0.0, cpu=30.0)])
    checks = script.rule(paths)["checks"]
    assert not (checks["c_none_lost"] or checks["d_ca"] or checks["e_cpu"])
    assert checks["a_goal"] and checks["b_left"]


def test_nothing_left_today_fails_b(tmp_path):
    paths = write(tmp_path, "l.jsonl", [line(1, "today", 0.0), line(1, "second", 0.0)])
    assert not script.rule(paths)["checks"]["b_left"]


def test_development_keeps_the_seed_1_run_only_where_its_guard_did_not_stop(tmp_path):
    today = write(tmp_path, "t.jsonl", [line(1, "today", 0.5, STOP, cpu=15.0),
                                        line(2, "today", 0.08, STOP, cpu=15.0),
                                        line(3, "today", 0.0)])
    seed1 = write(tmp_path, "s.jsonl", [line(1, "seed1", 0.0, cpu=25.0),
                                        line(2, "seed1", 0.03, STOP, cpu=25.0),
                                        line(3, "seed1", 0.9)])  # not read: 3 never stopped
    rows = script.simulated(today, seed1)
    assert [rows[s]["second"]["common"]["asr"] for s in (1, 2, 3)] == [0.0, 0.08, 0.0]
    assert [rows[s]["second"]["cpu_s"] for s in (1, 2, 3)] == [40.0, 40.0, 20.0]
    assert rows[3]["second"]["same"] and rows[2]["second"]["second_split"]["kept"] == "first"
