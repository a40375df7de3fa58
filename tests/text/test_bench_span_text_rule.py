"""The stop-56 span-occlusion reading and rule (issue 15, h15): scores built from the stored
least keeps (the drop, its share, the larger rank with strip), each at the guard half's own
threshold, and the rule's conditions at their bounds."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_report import drop, rank_in, scores
from span_text_rule import readings, rule


def reading(strip: list[float], own: list[float], least: list[list[float]]) -> dict:
    """Readings of one set; ``least``: per input the least keeps of windows 1:1 and 2:2."""
    return {"score": strip, "own": own, "pred": [1] * len(own), "strip_seconds": 1.0 * len(own),
            "span": {"least": {"1:1": [w[0] for w in least], "2:2": [w[1] for w in least]},
                     "seconds": 2.0 * len(own)}}


def split(trig_least: float, trig_strip: float = 0.5) -> dict:
    """200 guard / held-out clean inputs (own 0.95, least keep 0.95 − i/400 with windows 1:1 and
    0.1 lower with 2:2, strip 0.3..0.9) and 20 fired triggered ones (own 0.85, least keep
    ``trig_least`` with 1:1)."""
    clean = reading([0.3 + 0.6 * i / 199 for i in range(200)], [0.95] * 200,
                    [[0.95 - i / 400, 0.85 - i / 400] for i in range(200)])
    trig = reading([trig_strip] * 20, [0.85] * 20, [[trig_least, 0.9]] * 20)
    return {"seed": 0, "target": 0, "guard": clean, "neg": clean, "trig": trig,
            "fires": [True] * 20, "fit_seconds": 210.0}


def write(path: Path, trig_least: float, model: str = "addsent-1") -> Path:
    path.write_text(json.dumps({"windows": ["1:1", "2:2"], "models": [
        {"model": model, "attack": "addsent", "splits": [split(trig_least)]}]}))
    return path


def test_the_drop_is_the_own_probability_less_the_windows_least_keep() -> None:
    r = reading([0.5], [0.9], [[0.6, 0.3]])
    assert drop(r, "1:1").item() == pytest.approx(0.3)
    assert drop(r, "2:2").item() == pytest.approx(0.6)
    assert drop(r, "2:2", share=True).item() == pytest.approx(0.6 / 0.9)
    assert rank_in(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 9.0])).tolist() == [1 / 3, 1]


def test_a_trigger_the_prediction_hangs_on_is_caught_and_strip_is_not(tmp_path: Path) -> None:
    values = scores(split(0.05), ["1:1", "2:2"])
    assert set(values) >= {"strip", "drop:1:1", "drop:2:2", "share:2:2", "either:2:2"}
    row = readings([write(tmp_path / "d.json", 0.05)], "drop:1:1", 0.05, 0.95)[0]
    assert row["candidate"]["guard_tpr"] == 1.0 and row["today"]["guard_tpr"] == 0.0
    assert row["candidate"]["guard_fpr"] <= 0.05
    assert row["span_s_per_input"] == pytest.approx(2.0)
    assert row["strip_s_per_input"] == pytest.approx((210.0 + 420) / 420)


def test_the_rule_at_its_bounds(tmp_path: Path) -> None:
    good = readings([write(tmp_path / "a.json", 0.05, "a"), write(tmp_path / "b.json", 0.05, "b")],
                    "drop:1:1", 0.05, 0.95)
    assert rule(good)["met"]
    assert not rule(good, expect=3)["conditions"]["4_read"]  # too few models
    weak = readings([write(tmp_path / "c.json", 0.75, "c")], "drop:1:1", 0.05, 0.95)
    verdict = rule(good[:1] + weak)
    assert not verdict["met"] and not verdict["conditions"]["1_goal"]
    today_wins = [{**good[0], "today": {**good[0]["today"], "guard_tpr": 1.0, "guard_fpr": 0.0},
                   "candidate": {**good[0]["candidate"], "guard_tpr": 0.97,
                                 "guard_fpr": 0.02}}]
    verdict = rule(today_wins, expect=1)
    assert not verdict["conditions"]["2_no_loss"] and not verdict["conditions"]["3_fpr"]
    within = [{**today_wins[0], "candidate": {"guard_tpr": 0.98, "guard_fpr": 0.01}}]
    assert rule(within, expect=1)["met"]


def test_dumps_of_parts_of_one_split_are_merged(tmp_path: Path) -> None:
    whole = split(0.05)
    strip = {k: v for k, v in whole.items() if k not in ("guard", "neg", "trig")}
    span = dict(strip)
    for name in ("guard", "neg", "trig"):
        strip[name] = {k: v for k, v in whole[name].items() if k != "span"}
        span[name] = {k: v for k, v in whole[name].items() if k in ("span", "own", "pred")}
    for name, part in (("strip", strip), ("span", span)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"windows": ["1:1", "2:2"], "models": [
            {"model": "m", "attack": "addsent", "splits": [part]}]}))
    rows = readings([tmp_path / "strip.json"], "drop:1:1", 0.05, 0.95)
    assert rows == []  # no span readings: not read
    both = readings([tmp_path / "strip.json", tmp_path / "span.json"], "drop:1:1", 0.05, 0.95)
    assert len(both) == 1 and both[0]["candidate"]["guard_tpr"] == 1.0


def test_a_reading_a_cut_off_left_unfinished_is_read_only_when_asked(tmp_path: Path) -> None:
    from span_text_report import report

    whole = split(0.05)
    whole["sizes"] = {"guard": 200, "neg": 200, "trig": 20}
    short = dict(whole, trig={k: (v[:12] if isinstance(v, list) else v)
                              for k, v in whole["trig"].items()})  # the strip part cut at 12
    (tmp_path / "d.json").write_text(json.dumps({"windows": ["1:1", "2:2"], "models": [
        {"model": "m", "attack": "addsent", "splits": [short]}]}))
    assert report([tmp_path / "d.json"], 0.05, 0.95) == []
    rows = report([tmp_path / "d.json"], 0.05, 0.95, partial=True)
    assert rows and all(r["n"] == {"guard": 200, "neg": 200, "trig": 12} for r in rows)


def test_a_set_no_reader_reached_is_read_as_empty_only_when_asked(tmp_path: Path) -> None:
    from span_text_report import report

    whole = split(0.05)
    whole["sizes"] = {"guard": 200, "neg": 200, "trig": 20}
    del whole["neg"]  # the held-out clean set not reached by the cut-off
    (tmp_path / "d.json").write_text(json.dumps({"windows": ["1:1", "2:2"], "models": [
        {"model": "m", "attack": "addsent", "splits": [whole]}]}))
    assert report([tmp_path / "d.json"], 0.05, 0.95) == []
    rows = report([tmp_path / "d.json"], 0.05, 0.95, partial=True)
    row = next(r for r in rows if r["score"] == "drop:1:1")
    assert row["n"] == {"guard": 200, "neg": 0, "trig": 20} and row["guard_tpr"] == 1.0
    assert row["guard_fpr"] != row["guard_fpr"] and row["roc_tpr"] != row["roc_tpr"]  # NaN


def test_the_gain_condition_needs_a_higher_mean_guard_tpr(tmp_path: Path) -> None:
    good = readings([write(tmp_path / "a.json", 0.05, "a"), write(tmp_path / "b.json", 0.05, "b")],
                    "drop:1:1", 0.05, 0.95)
    assert "gain" not in rule(good)["conditions"]
    assert rule(good, gain=True)["conditions"]["gain"]  # 1.000 against today's 0.000
    same = [{**r, "candidate": dict(r["today"])} for r in good]
    assert not rule(same, gain=True)["conditions"]["gain"] and rule(same)["conditions"]["2_no_loss"]
    assert not rule([], gain=True, expect=0)["conditions"]["gain"]


def test_goal_only_keeps_the_goal_and_the_count_and_gives_each_models_verdict() -> None:
    """Stop 60's rule (today's default read, no candidate against it): (1) and (4) only, and
    which model met (1); today's figures play no part."""
    def row(model: str, tpr: float, fpr: float) -> dict:
        return {"model": model, "today": {"guard_tpr": 1.0, "guard_fpr": 0.0},
                "candidate": {"guard_tpr": tpr, "guard_fpr": fpr}}

    rows = [row("a", 0.95, 0.05), row("b", 0.90, 0.02)]
    out = rule(rows, expect=2, goal_only=True)
    assert out["met"] and out["per_model"] == {"a": True, "b": True}
    assert set(out["conditions"]) == {"1_goal", "4_read"}
    out = rule([row("a", 0.95, 0.051), row("b", 0.899, 0.0)], expect=2, goal_only=True)
    assert not out["met"] and out["per_model"] == {"a": False, "b": False}
    assert not rule(rows[:1], expect=2, goal_only=True)["met"]  # one model of two read
