"""``benchmarks/strip_text_guard_rule.py`` (issue 15, stop 50): the rule on hand-made rows (no
model) — the guard's held-out FPR bound, its TPR at its own threshold, and no drop below
today's default's by more than the slack; a model without its default row is undecided."""

from __future__ import annotations


def row(model: str, fpr: float, tpr: float, default_tpr: float | None = None) -> dict:
    out = {"model": model, "candidate": {"guard_fpr": fpr, "guard_tpr": tpr}}
    if default_tpr is not None:
        out["default"] = {"guard_fpr": 0.09, "guard_tpr": default_tpr}
    return out


def test_rule_met_and_each_condition_failing(load_benchmark) -> None:
    mod = load_benchmark("strip_text_guard_rule")
    ok = [row("addsent-1", 0.05, 0.99, 1.0), row("badnl-1", 0.06, 0.95, 0.96)]
    got = mod.guard_rule(ok, 0.06, 0.9, 0.02)
    assert got["met"] is True and got["worst_guard_fpr"] == 0.06
    assert got["largest_drop_model"] == "addsent-1" and got["largest_drop"] == 0.01
    got = mod.guard_rule([*ok, row("badnl-2", 0.061, 0.99, 0.99)], 0.06, 0.9, 0.02)
    assert got["met"] is False and not got["guard_fpr_met"] and got["guard_tpr_met"]
    got = mod.guard_rule([*ok, row("badnl-2", 0.03, 0.89, 0.89)], 0.06, 0.9, 0.02)
    assert got["met"] is False and not got["guard_tpr_met"] and got["no_worse_met"]
    got = mod.guard_rule([*ok, row("badnl-2", 0.03, 0.95, 0.98)], 0.06, 0.9, 0.02)
    assert got["met"] is False and not got["no_worse_met"] and got["largest_drop"] == 0.03


def test_a_model_without_its_default_is_undecided(load_benchmark) -> None:
    mod = load_benchmark("strip_text_guard_rule")
    got = mod.guard_rule([row("addsent-1", 0.05, 0.99, 1.0), row("badnl-1", 0.04, 0.99)],
                         0.06, 0.9, 0.02)
    assert got["met"] is None and got["without_default"] == ["badnl-1"]
    got = mod.guard_rule([row("addsent-1", 0.07, 0.99, 1.0), row("badnl-1", 0.04, 0.99)],
                         0.06, 0.9, 0.02)
    assert got["met"] is False  # a failing part decides it
