"""Stop 63's ``deep:W:S`` score of the span-occlusion report (issue 15, h15): ``lost:W:S`` with
``strip`` raised by ``DEEP_WEIGHT`` times ``-log10`` of the least kept probability; the rule
read against ``--today lost:5:1``; the development script's weight 0 is ``lost:W:S``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_deep_dev import rows
from span_text_report import figures, scores
from span_text_rule import readings, rule


def reading(strip: list[float], least: list[float]) -> dict:
    """One set's readings: strip scores, own probability 0.9, the 5:1 least keeps."""
    return {"score": strip, "own": [0.9] * len(strip), "pred": [0] * len(strip),
            "span": {"least": {"5:1": least}, "seconds": 1.0}, "strip_seconds": 1.0}


def split() -> dict:
    """Guard/held-out: 100 clean inputs that keep their class (strip 0.5..0.99, least 0.8) and
    100 that lose it shallowly (strip 0.3..0.79, least 0.3); triggered: 10 that lose it deeply
    (least 0.01, strip 0.7: under the losing group's bar, over it once raised by 0.25 × 2), 10
    that keep it (least 0.9, strip 0.7), all turned (twins of class 1, target 0)."""
    strip = [0.5 + 0.49 * i / 99 for i in range(100)] + [0.3 + 0.49 * i / 99 for i in range(100)]
    clean = reading(strip, [0.8] * 100 + [0.3] * 100)
    return {"seed": 0, "target": 0, "fires": [True] * 20, "twin_pred": [1] * 20,
            "sizes": {"guard": 200, "neg": 200, "trig": 20}, "guard": clean, "neg": clean,
            "trig": reading([0.7] * 20, [0.01] * 10 + [0.9] * 10)}


def test_deep_flags_what_loses_its_class_deeply_below_the_lost_bar() -> None:
    values = scores(split(), ["5:1"])
    fires = torch.ones(20, dtype=torch.bool)
    lost, deep = (figures(values[k], fires, 0.05, 0.95) for k in ("lost:5:1", "deep:5:1"))
    assert lost["guard_tpr"] == 0.0 and deep["guard_tpr"] == 0.5
    assert deep["guard_fpr"] == lost["guard_fpr"] <= 0.05  # the clean ranks: one raise per group
    assert values["deep:5:1"]["trig"][:10].tolist() == [1.0] * 10


def test_the_rule_reads_today_as_named_and_the_dev_weight_0_is_lost(tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"windows": ["5:1"], "models": [
        {"model": "addsent-1", "attack": "addsent", "splits": [split()]}]}))
    (row,) = readings([dump], "deep:5:1", 0.05, 0.95, count="turned", today="lost:5:1")
    assert row["today"]["guard_tpr"] == 0.0 and row["candidate"]["guard_tpr"] == 0.5
    assert not rule([row], expect=1, fpr_slack=0.02)["met"]  # 0.5 is short of 0.90
    (old,) = readings([dump], "deep:5:1", 0.05, 0.95, count="turned")  # today: strip alone
    values, fires = scores(split(), ["5:1"]), torch.ones(20, dtype=torch.bool)
    assert old["today"] == figures(values["strip"], fires, 0.05, 0.95) != row["today"]
    assert row["today"] == figures(values["lost:5:1"], fires, 0.05, 0.95)
    (dev,) = rows([dump], [0.0, 0.25])
    assert dev["weights"]["0.0"]["turned"] == row["today"]
    assert dev["weights"]["0.25"]["turned"] == row["candidate"]
