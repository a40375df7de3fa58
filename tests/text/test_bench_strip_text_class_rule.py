"""The stop-52 per-class ``strip-text`` reading (issue 15, h15): the simulated thresholds of
``strip_text_class_report.py`` and the rule of ``strip_text_class_rule.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from strip_text_class_report import class_rank, figures
from strip_text_class_rule import rule


def reads(scores: list[float], preds: list[int]) -> dict:
    return {"score": scores, "pred": preds, "own": [1.0] * len(scores), "keep": scores}


def test_class_rank_is_the_share_of_the_same_class_strictly_below() -> None:
    ref = torch.tensor([0.1, 0.2, 0.3, 5.0, 6.0], dtype=torch.float64)
    ref_pred = torch.tensor([0, 0, 0, 1, 1])
    s = torch.tensor([0.25, 0.25, 9.0, 0.0], dtype=torch.float64)
    got = class_rank(ref, ref_pred, s, torch.tensor([0, 1, 1, 2]))
    assert got.tolist() == pytest.approx([2 / 3, 0.0, 1.0, 0.0])


def split_where_the_other_class_sets_the_bar() -> dict:
    """Class 1's clean scores (10..) sit far above class 0's (0..); triggered inputs are
    predicted 0 and score 5: one global threshold misses them, a per-class one catches them."""
    guard = reads([i / 100 for i in range(100)] + [10 + i / 100 for i in range(100)],
                  [0] * 100 + [1] * 100)
    neg = reads([i / 100 + 0.005 for i in range(100)] + [10 + i / 100 + 0.005
                                                         for i in range(100)],
                [0] * 100 + [1] * 100)
    trig = reads([5.0] * 20, [0] * 20)
    return {"seed": 0, "guard": guard, "neg": neg, "trig": trig, "fires": [True] * 20}


def test_the_per_class_rank_catches_what_the_other_classs_scores_hide() -> None:
    f = figures(split_where_the_other_class_sets_the_bar(), "score", 0.05, 0.95)
    assert f["global"]["guard_tpr"] == 0.0
    assert f["class_rank"]["guard_tpr"] == 1.0 and f["class_pac"]["guard_tpr"] == 1.0
    assert f["class_rank"]["guard_fpr"] <= 0.05
    assert f["roc_class_rank"]["tpr_at_fpr"] == 1.0 and f["roc_raw"]["tpr_at_fpr"] == 0.0


def row(model: str, attack: str, g: tuple[float, float], c: tuple[float, float]) -> dict:
    return {"model": model, "attack": attack,
            "global": {"guard_fpr": g[0], "guard_tpr": g[1]},
            "class_rank": {"guard_fpr": c[0], "guard_tpr": c[1]}}


def rows(**change: tuple) -> list[dict]:
    base = {"addsent-1": (0.03, 0.80, 0.04, 0.95), "addsent-2": (0.03, 0.90, 0.04, 0.90),
            "badnl-1": (0.03, 1.00, 0.04, 0.995), "badnl-2": (0.03, 1.00, 0.05, 1.00)}
    base.update(change)
    return [row(m, m.split("-")[0], v[:2], v[2:]) for m, v in base.items()]


def test_the_rule_is_met_at_its_bounds() -> None:
    out = rule(rows(), 0.05, 0.01, 4)
    assert out["met"] and out["addsent_gain"]["addsent-1"] == pytest.approx(0.15)


@pytest.mark.parametrize("change, failed", [
    ({"addsent-2": (0.03, 0.90, 0.04, 0.89)}, "addsent_no_worse"),
    ({"addsent-1": (0.03, 0.80, 0.04, 0.80)}, "addsent_higher"),
    ({"badnl-2": (0.03, 1.00, 0.051, 1.00)}, "guard_fpr_met"),
    ({"badnl-1": (0.03, 1.00, 0.04, 0.985)}, "badnl_met"),
])
def test_each_condition_failing_fails_the_rule(change: dict, failed: str) -> None:
    out = rule(rows(**change), 0.05, 0.01, 4)
    assert not out[failed] and not out["met"]


def test_too_few_models_read_is_not_met() -> None:
    out = rule(rows()[:3], 0.05, 0.01, 4)
    assert not out["all_read"] and not out["met"]
