"""The stop-59 scores of the span-occlusion report (issue 15, h15): ``lost:W:S`` (today's
``strip`` ranked among the guard inputs of its group: losing the predicted class without the
worst window, or keeping it), ``flip:W:S`` and ``orflip:W:S``; the misses script."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_misses import misses
from span_text_report import figures, lost_rank, scores


def reading(strip: list[float], least: list[float]) -> dict:
    """One set's readings: today's strip scores, own probability 0.9, the 5:1 least keeps."""
    return {"score": strip, "own": [0.9] * len(strip), "span": {"least": {"5:1": least}},
            "pred": [1] * len(strip)}


def split() -> dict:
    """Guard/held-out: 100 clean inputs that keep their class (strip 0.5..0.99) and 100 that
    lose it (strip 0.1..0.59); triggered: 10 that lose it with strip 0.7, 10 that keep it with
    strip 0.7 — above every clean input of the losing group, below the keeping group's bar."""
    strip = [0.5 + 0.49 * i / 99 for i in range(100)] + [0.1 + 0.49 * i / 99 for i in range(100)]
    clean = reading(strip, [0.8] * 100 + [0.2] * 100)
    return {"seed": 0, "target": 1, "fires": [True] * 20,
            "guard": clean, "neg": clean, "trig": reading([0.7] * 20, [0.1] * 10 + [0.9] * 10)}


def test_lost_ranks_within_the_group_and_flags_what_loses_its_class_above_its_group() -> None:
    values = scores(split(), ["5:1"])
    lost = values["lost:5:1"]
    assert lost["trig"][:10].tolist() == [1.0] * 10  # above every clean input that loses it
    assert torch.allclose(lost["trig"][10:], torch.full((10,), 41 / 100, dtype=torch.float64))
    fires = torch.ones(20, dtype=torch.bool)
    got, today = figures(lost, fires, 0.05, 0.95), figures(values["strip"], fires, 0.05, 0.95)
    assert got["guard_tpr"] == 0.5 and today["guard_tpr"] == 0.0
    assert got["guard_fpr"] <= 0.05
    flip = values["flip:5:1"]
    assert torch.allclose(flip["trig"][:10], torch.full((10,), 0.9, dtype=torch.float64))
    assert values["orflip:5:1"]["threshold"] == 0.0


def test_a_group_without_guard_inputs_ranks_among_all() -> None:
    guard = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    a = {"guard": guard, "neg": guard, "trig": torch.tensor([0.35], dtype=torch.float64)}
    keep = {"guard": torch.full((4,), 0.9, dtype=torch.float64), "neg": torch.full((4,), 0.9),
            "trig": torch.tensor([0.1], dtype=torch.float64)}
    assert lost_rank(a, keep)["trig"].tolist() == [0.75]


def test_the_misses_script_lists_what_each_score_misses(tmp_path: Path) -> None:
    s = split()
    s["sizes"] = {k: len(s[k]["score"]) for k in ("guard", "neg", "trig")}
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"windows": ["5:1"], "models": [{"model": "m", "splits": [s]}]}))
    (row,) = misses([dump], "lost:5:1", 0.05, 0.95)
    assert [m["i"] for m in row["missed"]] == list(range(20))  # today misses all
    assert [m["candidate"] for m in row["missed"]] == [True] * 10 + [False] * 10
    assert row["lost_share"] == {"guard": 0.5, "neg": 0.5, "trig": 0.5}
