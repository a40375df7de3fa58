"""The stop-53 ``strip-text -p normalise=either`` reading (issue 15, h15): the simulated
``class_either`` threshold of ``strip_text_class_report.py`` and the rule of
``strip_text_either_rule.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from strip_text_class_report import figures
from strip_text_either_rule import rule

from .test_bench_strip_text_class_rule import reads, split_where_the_other_class_sets_the_bar


def split_where_the_target_class_sets_the_bar() -> dict:
    """Class 1's clean scores (10..) sit above class 0's (0..); triggered inputs are predicted
    1 and score 11.5, inside class 1's tail but above every pooled rank's bar: the class's own
    threshold misses some, the pooled one (kept by ``either``) catches them."""
    split = split_where_the_other_class_sets_the_bar()
    split["trig"] = reads([10.97] * 20, [1] * 20)
    return split


def test_either_catches_what_the_other_classs_scores_hide() -> None:
    f = figures(split_where_the_other_class_sets_the_bar(), "score", 0.05, 0.95)
    assert f["global"]["guard_tpr"] == 0.0 and f["class_either"]["guard_tpr"] == 1.0
    assert f["class_either"]["guard_fpr"] <= 0.05


def test_either_keeps_the_pooled_bar_for_the_higher_scoring_class() -> None:
    f = figures(split_where_the_target_class_sets_the_bar(), "score", 0.05, 0.95)
    assert f["global"]["guard_tpr"] == 1.0
    assert f["class_rank"]["guard_tpr"] == 0.0  # its own class's bar sits above 10.97
    assert f["class_either"]["guard_tpr"] == 1.0


def row(model: str, seed: int, g: tuple[float, float], c: tuple[float, float]) -> dict:
    return {"model": model, "attack": model.split("-")[0], "seed": seed,
            "global": {"guard_fpr": g[0], "guard_tpr": g[1]},
            "class_either": {"guard_fpr": c[0], "guard_tpr": c[1]}}


def rows(**change: tuple) -> list[dict]:
    base = {"addsent-1": (0.03, 0.50, 0.04, 0.80), "addsent-2": (0.03, 0.92, 0.04, 0.905),
            "badnl-2": (0.03, 1.00, 0.04, 0.985)}
    base.update(change)
    return [row(m, 0, v[:2], v[2:]) for m, v in base.items()]


def test_the_rule_is_met_at_its_bounds() -> None:
    out = rule(rows(), 0.05, 0.02, 0.90, 2)
    assert out["met"] and out["addsent_mean"] == {"global": 0.71, "class_either": 0.8525}


@pytest.mark.parametrize(("change", "failed"), [
    ({"addsent-2": (0.03, 0.92, 0.04, 0.899)}, "goal_kept"),
    ({"addsent-1": (0.03, 0.50, 0.04, 0.47)}, "addsent_within_slack"),
    ({"addsent-1": (0.03, 0.50, 0.052, 0.80)}, "guard_fpr_met"),
    ({"badnl-2": (0.03, 1.00, 0.04, 0.97)}, "badnl_within_slack"),
    ({"addsent-1": (0.03, 0.80, 0.04, 0.80), "addsent-2": (0.03, 0.92, 0.04, 0.91)},
     "addsent_mean_higher"),
])
def test_each_condition_failing_fails_the_rule(change: dict, failed: str) -> None:
    out = rule(rows(**change), 0.05, 0.02, 0.90, 2)
    assert not out[failed] and not out["met"]


def test_too_few_addsent_models_fail_the_rule() -> None:
    out = rule(rows(), 0.05, 0.02, 0.90, 3)
    assert not out["all_read"] and not out["met"]
