"""The stop-39 diagnostics of `gated` on dense models read the committed files as the docs say:
``second_stage_cost.py`` (the second stage's share, its rounds, the first round at ASR <= 2%;
nothing for a model whose second stage did not train) and ``gate_reach_top.py`` (a gated-out SIG
MLP whose target is the detector's second class is reached towards it, not its suspect)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "benchmarks/data/mitigation"


def test_second_stage_share_and_rounds(load_benchmark) -> None:
    cost = load_benchmark("second_stage_cost")
    models = json.loads((DATA / "dev-39-signals-2402.json").read_text())["models"]
    row = cost.row("2402", "badnets-005", models["badnets-005"])
    assert row["rounds"] == 6 and row["action"] == "all rounds"
    assert row["first"] == pytest.approx(-0.0162, abs=5e-4)
    assert row["end"] - row["first"] == pytest.approx(-0.0212, abs=5e-4)
    assert row["reached"] == 2  # 1.5% after round 2, first at or under 2%
    assert row["val_min"] >= row["floor"]  # the guard never bound
    assert row["signals"][1]["trigger"] <= 0.05  # blind after the first round


def test_no_row_without_a_second_stage(load_benchmark) -> None:
    cost = load_benchmark("second_stage_cost")
    models = json.loads((DATA / "dev-39-signals-2404.json").read_text())["models"]
    assert cost.row("2404", "sig-002", models["sig-002"]) is None  # projected model returned


def test_top_classes_reach_a_target_the_suspect_misses(load_benchmark, capsys) -> None:
    top = load_benchmark("gate_reach_top")
    argv = sys.argv
    sys.argv = ["gate_reach_top.py", str(DATA / "dev-39-gate-2404.json")]
    try:
        top.main()
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert "| 2404 sig-005 | 0.053 | 9 | [0, 9, 6] | 0.178 / 0.867 / 0.867 |" in out
    assert "6 clean models: the largest reach towards the suspect 0.156" in out
