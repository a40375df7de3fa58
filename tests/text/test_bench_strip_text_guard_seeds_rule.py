"""``benchmarks/strip_text_guard_seeds_rule.py`` (issue 15, stop 51): the rule over several split
seeds per model on hand-made rows (no model) — the nearest-rank 80th percentile, the mean and
80th-percentile FPR bounds, the TPR goal or its slack below today's, and a run cut short (too
few common seeds, a model missing) is not met."""

from __future__ import annotations

import pytest

BOUNDS = {"mean_fpr": 0.05, "p80_fpr": 0.06, "goal": 0.95, "slack": 0.01}


def rows(model: str, fprs: list[float], tpr: float = 1.0, default_tpr: float = 1.0) -> list[dict]:
    return [{"model": model, "seed": s, "candidate": {"fpr": f, "tpr": tpr},
             "default": {"fpr": 0.09, "tpr": default_tpr}} for s, f in enumerate(fprs)]


def rule(mod, data: list[dict], expect: int = 2, min_seeds: int = 3) -> dict:
    return mod.seeds_rule(data, expect=expect, min_seeds=min_seeds, **BOUNDS)


def test_nearest_rank(load_benchmark) -> None:
    mod = load_benchmark("strip_text_guard_seeds_rule")
    assert mod.nearest_rank([0.05, 0.01, 0.09, 0.02, 0.03], 0.8) == 0.05
    assert mod.nearest_rank([0.01, 0.02, 0.03, 0.04], 0.8) == 0.04
    assert mod.nearest_rank([0.03, 0.01, 0.02], 0.8) == 0.03
    assert mod.nearest_rank([0.2], 0.8) == 0.2


def test_rule_met_and_each_condition_failing(load_benchmark) -> None:
    mod = load_benchmark("strip_text_guard_seeds_rule")
    ok = rows("badnl-1", [0.03, 0.04, 0.05, 0.06, 0.07])  # mean 0.05, p80 0.06: both at the bound
    other = rows("addsent-1", [0.02] * 5, tpr=0.94, default_tpr=0.945)  # TPR by the slack
    got = rule(mod, ok + other)
    assert got["met"] is True and got["worst_mean_fpr_model"] == "badnl-1"
    assert got["models"]["badnl-1"]["candidate"]["over_0.06"] == 1
    got = rule(mod, rows("badnl-1", [0.02, 0.04, 0.05, 0.061, 0.07]) + other)
    assert got["met"] is False and not got["models"]["badnl-1"]["p80_fpr_met"]
    assert got["models"]["badnl-1"]["mean_fpr_met"]
    got = rule(mod, rows("badnl-1", [0.055] * 5) + other)
    assert got["met"] is False and not got["models"]["badnl-1"]["mean_fpr_met"]
    assert got["models"]["badnl-1"]["p80_fpr_met"]
    got = rule(mod, ok + rows("addsent-1", [0.02] * 5, tpr=0.94, default_tpr=0.96))
    assert got["met"] is False and not got["models"]["addsent-1"]["tpr_met"]


@pytest.mark.parametrize("cut", ["seeds", "model"])
def test_a_run_cut_short_is_not_met(load_benchmark, cut: str) -> None:
    mod = load_benchmark("strip_text_guard_seeds_rule")
    short = rows("addsent-1", [0.02, 0.02]) if cut == "seeds" else []
    got = rule(mod, rows("badnl-1", [0.02] * 5) + short)
    assert got["met"] is False and not got["complete"] and got["per_model_met"]


def test_the_rule_reads_the_seeds_every_model_has(load_benchmark) -> None:
    mod = load_benchmark("strip_text_guard_seeds_rule")
    got = rule(mod, rows("badnl-1", [0.02, 0.02, 0.02, 0.2]) + rows("addsent-1", [0.02] * 3))
    assert got["common_seeds"] == [0, 1, 2] and got["met"] is True
