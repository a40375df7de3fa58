"""Issue 12 stop 73 (h12a): the scripts behind ``round_stop``'s and ``project_cost``'s fresh read.
``mitigate_stop_s73_check.py`` refuses a bad zoo or setting in one line before any model is
read; ``mitigate_stop_s73_sim.py`` stops where ``Adaptive._gone`` would; the rule reader names
the candidate's own option."""

from __future__ import annotations

import json

import pytest
from test_sure_s71_scripts import row

from script_run import run_script


@pytest.mark.parametrize(("args", "word"), [((), "not a zoo"), (("1.5",), "round_stop"),
                                            (("0.005", "0"), "project_cost")])
def test_a_bad_zoo_or_setting_is_one_error_line(tmp_path, args, word) -> None:
    zoo = tmp_path / "none" if word == "not a zoo" else tmp_path
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_stop_s73_check.py", zoo, tmp_path / "out.json", *args)
    assert got.returncode == 2 and word in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_simulated_stop_is_the_stage_s() -> None:
    from mitigate_stop_s73_sim import stop_round

    readings = [0.447, 0.12, 0.025, 0.01, 0.005, 0.003]
    assert stop_round(readings, 0.005, 0.0) == 4  # at most the bar, the reading after round 4
    assert stop_round(readings, 0.001, 0.0) is None  # every round ran
    assert stop_round([0.3, 0.02, 0.019, 0.004], 0.005, 0.9) == 2  # dense_stop's slow fall


def test_the_rule_reader_names_round_stop_where_it_fired(tmp_path) -> None:
    label = "gated:round_stop=0.005"
    today = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(3)]
    cand = [dict(r) for r in today]
    cand[0] = row("badnets-000", "badnets", 0.915, 0.01)
    (tmp_path / "f.json").write_text(json.dumps({"gated": {"rows": today}, label: {
        "rows": cand, "notes": {"badnets-000": {"fired": True}}}}))
    got = run_script("mitigate_cost_s72_rule.py", f"{tmp_path / 'f.json'}:1", "--candidate",
                     label, "--min-backdoored", "3")
    assert "round_stop fired on: ['1/badnets-000']" in got.stdout, got.stdout + got.stderr


def test_the_step_reader_counts_what_the_step_gained_and_lost(tmp_path) -> None:
    def stored(name: str, before: tuple, after: tuple) -> dict:
        return {"name": name, "family": "badnets", "points": [
            {"at": "input", "ca": 0.9, "asr": 1.0},
            {"at": "teach_last", "ca": before[0], "asr": before[1]},
            {"at": "mixed_last", "ca": after[0], "asr": after[1]}]}

    rows = [stored("1/badnets-000", (0.885, 0.001), (0.875, 0.001)),  # -1.5 -> -2.5: lost
            stored("1/badnets-005", (0.89, 0.03), (0.89, 0.01)),      # 3% -> 1%: gained
            stored("1/badnets-007", (0.88, 0.02), (0.88, 0.02))]      # at the bars: kept
    (tmp_path / "r.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    got = run_script("mitigate_step_s73_goal.py", tmp_path / "r.jsonl")
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip().endswith("brought 1 to the goal ['1/badnets-005'] and took 1 "
                                       "from it ['1/badnets-000']")
    assert run_script("mitigate_step_s73_goal.py", tmp_path / "none.jsonl").returncode == 2
