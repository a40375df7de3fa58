"""Stop 65's ``second:W:S`` score of the span-occlusion report (issue 15, h15; ``strip-text -p
least_share=0.2``): ``lost:W:S`` at 0.8 of the FPR budget, or a depth (``-log10`` of the least
kept) past the gated guard inputs' at 0.2 of it, read only where the group rank reaches 0.75."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_report import figures, scores
from span_text_second_dev import rows

from .test_bench_span_text_deep import reading


def split() -> dict:
    """Guard/held-out as stop 63's test: 100 clean inputs that keep their class (strip 0.5..0.99,
    least 0.8), 100 that lose it shallowly (strip 0.3..0.79, least 0.3). Triggered, all turned:
    10 that lose it deeply with strip 0.7 (rank 0.82 in the losing group: under its bar, over
    the gate), 10 as deep with strip 0.31 (rank 0.02: gated out), 10 that keep it."""
    strip = [0.5 + 0.49 * i / 99 for i in range(100)] + [0.3 + 0.49 * i / 99 for i in range(100)]
    clean = reading(strip, [0.8] * 100 + [0.3] * 100)
    return {"seed": 0, "target": 0, "fires": [True] * 30, "twin_pred": [1] * 30,
            "sizes": {"guard": 200, "neg": 200, "trig": 30}, "guard": clean, "neg": clean,
            "trig": reading([0.7] * 10 + [0.31] * 10 + [0.7] * 10,
                            [0.01] * 20 + [0.9] * 10)}


def test_second_flags_the_deep_losers_over_the_gate_only() -> None:
    values = scores(split(), ["5:1"])
    fires = torch.ones(30, dtype=torch.bool)
    lost, second = (figures(values[k], fires, 0.05, 0.95) for k in ("lost:5:1", "second:5:1"))
    flagged = (values["second:5:1"]["trig"] > 0).tolist()
    assert flagged == [True] * 10 + [False] * 20  # deep and over the gate; not gated out
    assert lost["guard_tpr"] == 0.0 and abs(second["guard_tpr"] - 1 / 3) < 1e-9
    assert second["guard_fpr"] <= 0.05 and values["second:5:1"]["threshold"] == 0.0


def test_the_dev_script_reads_each_gate_and_share(tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"windows": ["5:1"], "models": [
        {"model": "addsent-1", "attack": "addsent", "splits": [split()]}]}))
    (row,) = rows([dump], [0.0, 0.75], [0.2])
    ungated, gated = (p["turned"]["guard_tpr"] for p in row["pairs"])
    assert abs(ungated - 2 / 3) < 1e-9 and abs(gated - 1 / 3) < 1e-9  # gate 0: all 20 deep ones
    assert gated == figures(scores(split(), ["5:1"])["second:5:1"],
                            torch.ones(30, dtype=torch.bool), 0.05, 0.95)["guard_tpr"]
    assert row["pairs"][1]["least_below"] < 0.3  # past every gated clean input's depth
