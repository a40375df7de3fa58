"""Stop 78's rule for ``--holdout 0.25`` on a user's 200 images (hgd): each condition read from
the lines as written, and a refused run counted as the source model left (a draw lost where
today's line reaches the goal), not left out."""

from __future__ import annotations

import json

import mitigate_holdout_s78_hgd as script


def line(seed: int, arm: str, asr: float, ca: float = 0.97, cpu: float = 20.0,
         refused: bool = False) -> str:
    row = {"seed": seed, "arm": arm, "cpu_s": cpu, "common": {"asr": asr, "ca": ca}}
    if refused:
        row["refused"] = "Error: too few"
    else:
        row["own"] = {"held": 100, "after": {"asr": asr}}
    return json.dumps(row)


def write(tmp_path, rows: list[str]):
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(rows) + "\n")
    return [path]


def test_the_rule_is_met_where_the_candidate_mends_a_draw_and_loses_none(tmp_path):
    paths = write(tmp_path, [line(1, "today", 0.0), line(1, "holdout25", 0.01, cpu=22.0),
                             line(2, "today", 0.6), line(2, "holdout25", 0.0, cpu=23.0)])
    got = script.rule(paths)
    assert got["goal"] == {"today": 1, "holdout25": 2} and got["left"]["today"] == 1
    assert got["met"], got["checks"]


def test_a_refused_run_is_a_draw_lost_and_cpu_is_read_where_both_ran(tmp_path):
    paths = write(tmp_path, [line(1, "today", 0.0), line(1, "holdout25", 1.0, cpu=4.0,
                                                           refused=True),
                             line(2, "today", 0.6), line(2, "holdout25", 0.0, cpu=30.0)])
    got = script.rule(paths)
    assert got["lost"] == [1] and got["refused"]["holdout25"] == [1]
    assert not got["checks"]["c_none_lost"] and not got["checks"]["b_left"]
    assert got["median_cpu_s"] == {"today": 20.0, "holdout25": 30.0}
    assert not got["checks"]["e_cpu"] and not got["met"]
    assert "refused (source model)" in script.table(paths)


def test_ca_more_than_two_points_off_on_one_draw_fails(tmp_path):
    paths = write(tmp_path, [line(1, "today", 0.5), line(1, "holdout25", 0.0, ca=0.94)])
    assert script.rule(paths)["ca_off"] == [1]
