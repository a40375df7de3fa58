"""The stop-55 rule for ``strip-text -p mates=K`` (issue 15, h15): readings labelled by their
detector's parameters, paired per model and split, and stop 54's verdict on the pairs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from strip_text_copies_rule import TODAY
from strip_text_mates_rule import fpr_check, label, paired, rows_of, rule, seconds_per_input


def reading(scores: list[float]) -> dict:
    return {"score": scores, "pred": [1] * len(scores)}


def dump(path: Path, params: dict, trig: float, model: str = "addsent-1") -> Path:
    """200 guard and 200 held-out clean scores spread over 0.30..0.90 and 20 fired triggered
    inputs scoring ``trig``."""
    clean = [0.3 + 0.6 * i / 199 for i in range(200)]
    split = {"seed": 0, "target": 1, "guard": reading(clean), "neg": reading(clean),
             "trig": reading([trig] * 20), "fires": [True] * 20}
    path.write_text(json.dumps({"params": params, "models": [
        {"model": model, "attack": model.split("-")[0], "splits": [split]}]}))
    return path


def test_a_reading_is_labelled_by_its_mates() -> None:
    assert label({}) == TODAY and label({"mates": 1}) == TODAY
    assert label({"mates": 2}) == "mates=2"
    with pytest.raises(SystemExit, match="other parameters \\(n\\)"):
        label({"mates": 2, "n": 16})


def test_the_guard_reads_each_dumps_own_threshold(tmp_path: Path) -> None:
    today = dump(tmp_path / "t.json", {}, trig=0.85)  # inside the clean top 5%: missed
    cand = dump(tmp_path / "c.json", {"mates": 2}, trig=0.95)  # above every clean score
    rows = rows_of([today, cand], 0.05, 0.95)
    by = {r["score"]: r for r in rows}
    assert by[TODAY]["guard_tpr"] == 0.0 and by["mates=2"]["guard_tpr"] == 1.0
    assert by["mates=2"]["guard_fpr"] <= 0.05 and by["mates=2"]["roc_tpr"] == 1.0
    verdict = rule(paired(rows, "mates=2"), "mates=2", 0.02, 0.05, 1)
    assert verdict["met"], verdict
    assert not rule(paired(rows, "mates=2"), "mates=2", 0.02, 0.05, 2)["met"]  # one model


def test_a_model_read_by_one_detector_only_is_not_paired(tmp_path: Path) -> None:
    rows = rows_of([dump(tmp_path / "t.json", {}, 0.95),
                    dump(tmp_path / "c.json", {"mates": 2}, 0.95, model="addsent-2")], 0.05, 0.95)
    assert paired(rows, "mates=2") == []


def test_a_candidate_that_loses_fails(tmp_path: Path) -> None:
    rows = rows_of([dump(tmp_path / "t.json", {}, 0.95),
                    dump(tmp_path / "c.json", {"mates": 2}, 0.85)], 0.05, 0.95)
    verdict = rule(paired(rows, "mates=2"), "mates=2", 0.02, 0.05, 1)
    assert not verdict["met"]
    assert not verdict["checks"]["1_addsent_within_slack"]
    assert not verdict["checks"]["2_keeps_0.90"]
    assert not verdict["checks"]["4_mean_addsent_higher"]


def test_a_guard_fpr_above_the_bound_passes_only_where_todays_is_higher() -> None:
    rows = [{"model": "m", "seed": 0, "score": TODAY, "guard_fpr": 0.06},
            {"model": "m", "seed": 0, "score": "mates=2", "guard_fpr": 0.056}]
    assert fpr_check(rows, "mates=2", 0.05)
    rows[0]["guard_fpr"] = 0.04
    assert not fpr_check(rows, "mates=2", 0.05)


def test_the_time_per_input_is_the_candidate_readings_wall_over_its_inputs(tmp_path) -> None:
    today = dump(tmp_path / "dump_addsent-1.json", {}, 0.95)
    cand = dump(tmp_path / "dump_mates_addsent-1.json", {"mates": 2}, 0.95)
    walls = tmp_path / "walls.txt"
    walls.write_text("dump addsent-1 (split seeds 0)  wall_s 10.0 17:00:00 load 1\n"
                     "dump mates_addsent-1 (split seeds 0) -p mates=2 wall_s 84.0 17:10 load 1\n")
    assert seconds_per_input([today, cand], walls) == {"dump_mates_addsent-1": 84.0 / 420}
    walls.write_text("")
    with pytest.raises(SystemExit, match="no wall for dump_mates_addsent-1"):
        seconds_per_input([cand], walls)
