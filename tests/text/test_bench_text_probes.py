"""The helpers of the stop-33 text benchmarks: the span probe's controls and summary features,
and the zoo ASR listing (no model trained: a hand-written truth.json)."""

from __future__ import annotations

import json
import math
import runpy
import sys
from pathlib import Path
from types import SimpleNamespace

from script_run import run_script

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def span_probe() -> SimpleNamespace:
    """The span probe's functions (the script imports its sibling ``text_phrase_probe``)."""
    sys.path.insert(0, str(BENCH))
    try:
        return SimpleNamespace(**runpy.run_path(str(BENCH / "text_span_probe.py")))
    finally:
        sys.path.remove(str(BENCH))


def test_spread_out_puts_padding_between_the_tokens_only() -> None:
    probe = span_probe()
    assert probe.spread_out([5, 6, 7]) == [5, 0, 0, 0, 6, 0, 0, 0, 7]
    assert probe.spread_out([5], gap=2) == [5]
    assert probe.spread_out([]) == []


def test_auc_counts_ties_half() -> None:
    probe = span_probe()
    assert probe.auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert probe.auc([0.5], [0.5]) == 0.5
    assert probe.auc([0.1], [0.2, 0.05]) == 0.5


def test_read_takes_the_best_class_and_the_largest_lift() -> None:
    probe = span_probe()
    variant = {"probs": [0.9, 0.6], "spread": [0.5, 0.1], "baseline": [0.5, 0.01]}
    logit = probe.logit
    assert probe.read(variant, "prob") == 0.9
    assert math.isclose(probe.read(variant, "contiguity"), logit(0.9) - logit(0.5))
    # class 1's span is weaker but lifts its tokens far more above random spans of them
    assert math.isclose(probe.read(variant, "lift"), logit(0.6) - logit(0.01))


def test_zoo_asr_lists_the_recorded_range(tmp_path: Path) -> None:
    models = [
        {
            "name": "clean-000",
            "arch": "textcnn",
            "seed": 1,
            "backdoored": False,
            "metrics": {"clean_accuracy": 0.7},
        },
        {
            "name": "badnl-001",
            "arch": "textcnn",
            "seed": 2,
            "backdoored": True,
            "attack": "badnl",
            "metrics": {"clean_accuracy": 0.63, "attack_success_rate": 0.821, "flip_rate": 0.716},
        },
        {
            "name": "badnl-002",
            "arch": "textcnn",
            "seed": 3,
            "backdoored": True,
            "attack": "badnl",
            "metrics": {"clean_accuracy": 0.69, "attack_success_rate": 1.0},
        },
    ]
    (tmp_path / "truth.json").write_text(
        json.dumps({"dataset": "rt-polarity", "seed": 0, "models": models})
    )
    out = run_script("text_zoo_asr.py", str(tmp_path), check=True).stdout
    assert "| badnl-001 | 0.630 | 0.821 | 0.716 | – |" in out
    assert f"{tmp_path.name}: 2 backdoored, ASR 0.821–1.000, 1 below 0.95" in out
    assert "clean-000" not in out
