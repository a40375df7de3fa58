"""Issue 12 stop 72 (h12a): the scripts behind ``project_cost``'s fresh read.
``mitigate_cost_s72_check.py`` refuses a bad zoo or bar in one line before any model is read;
``mitigate_cost_s72_rule.py`` reads (A)-(E) from both rows: one more model at the goal and none
lost is met, the same count or a model lost is not."""

from __future__ import annotations

import json

from test_sure_s71_scripts import row

from script_run import run_script

LABEL = "gated:project_cost=0.025"


def test_a_bad_zoo_or_bar_is_one_error_line(tmp_path) -> None:
    got = run_script("mitigate_cost_s72_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_cost_s72_check.py", tmp_path, tmp_path / "out.json", "1.5")
    assert got.returncode == 2 and "project_cost" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def write(path, today: list[dict], cand: list[dict], notes: dict) -> str:
    path.write_text(json.dumps({"gated": {"rows": today},
                                LABEL: {"rows": cand, "notes": notes}}))
    return f"{path}:9999"


def rows(tmp_path, sig_after: float, lose: bool = False) -> str:
    backdoored = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(12)]
    today = [*backdoored, row("sig-007", "sig", 0.884, 0.0), row("clean-000", None, 0.92, None)]
    cand = [dict(r) for r in today]
    cand[12] = row("sig-007", "sig", sig_after, 0.001)
    if lose:
        cand[0] = row("badnets-000", "badnets", 0.88, 0.0)
    return write(tmp_path / "fresh.json", today, cand, {"sig-007": {"fired": True}})


def test_one_more_at_the_goal_none_lost_is_met(tmp_path) -> None:
    got = run_script("mitigate_cost_s72_rule.py", rows(tmp_path, 0.914), "--candidate", LABEL)
    assert got.returncode == 0, got.stderr
    assert "9999/sig-007" in got.stdout and got.stdout.strip().endswith("rule met")


def test_no_gain_or_a_model_lost_is_not_met(tmp_path) -> None:
    got = run_script("mitigate_cost_s72_rule.py", rows(tmp_path, 0.89), "--candidate", LABEL)
    assert "(A)" in got.stdout and got.stdout.strip().endswith("rule not met")
    got = run_script("mitigate_cost_s72_rule.py", rows(tmp_path, 0.914, lose=True),
                     "--candidate", LABEL)
    assert "9999/badnets-000" in got.stdout and got.stdout.strip().endswith("rule not met")


def test_the_reader_refuses_a_bad_zoo_in_one_line(tmp_path) -> None:
    got = run_script("mitigate_acc_s72_read.py", tmp_path / "out.jsonl", f"{tmp_path}/none:1")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.jsonl").exists()


def test_the_table_puts_each_loss_where_it_happened(tmp_path) -> None:
    points = [{"at": "input", "ca": 0.9, "asr": 1.0, "fit": 0.925},
              {"at": "first", "ca": 0.91, "asr": 0.01},
              {"at": "stages", "ca": 0.855, "asr": 0.0, "fit": 0.88},
              {"at": "mixed_last", "ca": 0.865, "asr": 0.0}]
    record = {"name": "9999/sig-007", "family": "sig", "ca_before": 0.9, "ca_after": 0.865,
              "asr_after": 0.0, "points": points, "report": {
                  "action": "treated: ...; the projected model is returned"}}
    (tmp_path / "rows.jsonl").write_text(json.dumps(record) + "\n")
    got = run_script("mitigate_acc_s72_table.py", tmp_path / "rows.jsonl")
    assert got.returncode == 0, got.stderr
    assert "-3.5/0.0% MISS" in got.stdout and "cost 0.045" in got.stdout
    assert "second stage (or the hand-back) -5.5" in got.stdout and "mixed_last +1.0" in got.stdout
