"""The stop-58 scores of the span-occlusion report (issue 15, h15): ``orP:W:S`` (today's
``strip`` or the window drop past its own guard threshold, the FPR budget shared) and
``beyond:W:S``; the rule reads a held-out clean set read to its planned first N."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_report import beyond, either_way, figures, scores
from span_text_rule import readings


def test_either_way_flags_what_passes_either_threshold_at_half_the_budget() -> None:
    guard = torch.arange(200, dtype=torch.float64) / 200  # 0 .. 0.995
    a = {"guard": guard, "neg": guard, "trig": torch.tensor([0.999, 0.1, 0.1])}
    b = {"guard": guard, "neg": guard, "trig": torch.tensor([0.1, 0.999, 0.1])}
    out = either_way(a, b, 0.05, 0.95)
    assert out["threshold"] == 0.0
    assert (out["trig"] > 0).tolist() == [True, True, False]
    whole = either_way(a, a, 0.05, 0.95)  # the same score twice: flagged at the half rate
    half = either_way(a, a, 0.10, 0.95)
    assert (whole["neg"] > 0).double().mean() <= (half["neg"] > 0).double().mean()
    assert (whole["neg"] > 0).double().mean() <= 0.025


def reading(strip: list[float], least: list[float]) -> dict:
    """One set's readings: today's strip scores, own probability 0.95, the 1:1 least keeps."""
    return {"score": strip, "own": [0.95] * len(strip), "span": {"least": {"1:1": least}}}


def test_the_report_scores_or_at_its_fixed_threshold() -> None:
    clean = reading([0.3 + 0.6 * i / 199 for i in range(200)], [0.95 - i / 400 for i in range(200)])
    split = {"guard": clean, "neg": clean, "trig": reading([0.5] * 20, [0.05] * 20)}
    values = scores(split, ["1:1"])
    assert {"or50:1:1", "or20:1:1"} <= set(values) and values["or50:1:1"]["threshold"] == 0.0
    fires = torch.ones(20, dtype=torch.bool)
    got = figures(values["or50:1:1"], fires, 0.05, 0.95)
    assert got["guard_tpr"] == 1.0 and got["guard_fpr"] <= 0.05  # the drop catches them
    assert figures(values["or20:1:1"], fires, 0.05, 0.95)["guard_tpr"] == 1.0


def test_the_budget_share_moves_the_two_thresholds() -> None:
    guard = torch.arange(400, dtype=torch.float64) / 400
    a = {"guard": guard, "neg": guard, "trig": torch.tensor([0.99])}
    b = {"guard": guard, "neg": guard, "trig": torch.tensor([0.0])}
    flagged = [float((either_way(a, b, 0.10, 0.95, share)["trig"] > 0).double().mean())
               for share in (0.2, 0.9)]
    assert flagged == [1.0, 0.0]  # strip's threshold rises as the drop's share grows


def test_beyond_keeps_todays_threshold_and_adds_what_hangs_beyond_every_clean_drop() -> None:
    guard = torch.arange(100, dtype=torch.float64) / 100
    strip = {"guard": guard, "neg": guard, "trig": torch.tensor([0.2, 0.995, 0.2])}
    drop = {"guard": guard / 2, "neg": guard / 2, "trig": torch.tensor([0.6, 0.1, 0.3])}
    out = beyond(strip, drop)
    assert torch.equal(out["guard"], guard) and torch.equal(out["neg"], guard)
    t = float(guard.quantile(0.95))
    assert (out["trig"] > t).tolist() == [True, True, False]


def test_the_rule_reads_the_planned_first_n_of_the_held_out_set_only_when_told(tmp_path) -> None:
    clean = reading([0.3 + 0.6 * i / 199 for i in range(200)], [0.95 - i / 400 for i in range(200)])
    clean["span"]["seconds"], clean["strip_seconds"] = 1.0, 1.0
    trig = reading([0.5] * 20, [0.05] * 20)
    trig["span"]["seconds"], trig["strip_seconds"] = 1.0, 1.0
    neg = {k: (v[:120] if isinstance(v, list) else v) for k, v in clean.items()}
    neg["span"] = {"least": {"1:1": clean["span"]["least"]["1:1"][:120]}, "seconds": 1.0}
    split = {"seed": 0, "target": 1, "fires": [True] * 20, "guard": clean, "neg": neg,
             "trig": trig, "sizes": {"guard": 200, "neg": 200, "trig": 20}}
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"windows": ["1:1"], "models": [
        {"model": "m", "attack": "addsent", "splits": [split]}]}))
    assert readings([path], "beyond:1:1", 0.05, 0.95) == []  # a cut set: not the rule's
    assert readings([path], "beyond:1:1", 0.05, 0.95, neg_first=121) == []  # short of the plan
    row = readings([path], "beyond:1:1", 0.05, 0.95, neg_first=120)[0]
    assert row["candidate"]["guard_tpr"] == 1.0 and row["today"]["guard_tpr"] == 0.0
