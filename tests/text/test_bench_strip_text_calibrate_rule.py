"""``benchmarks/strip_text_calibrate_rule.py`` (issue 15, stop 49): the rule on hand-made rows
(no model) — TPR goal, the guard's held-out FPR bound, and the TextCNNs' no-worse slack."""

from __future__ import annotations


def row(model: str, parent: str, tpr: float, cand_tpr: float, cand_fpr: float) -> dict:
    return {"folder": f"/w/{parent}/{model}", "model": model,
            "default": {"tpr_at_fpr": tpr, "guard_fpr": 0.08},
            "candidate": {"tpr_at_fpr": cand_tpr, "guard_fpr": cand_fpr}}


def test_rule_met_and_each_condition_failing(load_benchmark) -> None:
    mod = load_benchmark("strip_text_calibrate_rule")
    ok = [row("addsent-1", "minilm", 0.8, 0.95, 0.05), row("badnl-1", "textcnn", 0.99, 0.98, 0.06)]
    out = mod.rule(ok, 0.9, 0.06, ["textcnn"], 0.02)
    assert out["met"] and out["worst_tpr"] == 0.95 and out["largest_drop"] == 0.01
    low = [*ok, row("badnl-2", "minilm", 0.95, 0.89, 0.01)]
    assert not mod.rule(low, 0.9, 0.06, ["textcnn"], 0.02)["tpr_met"]
    over = [*ok, row("badnl-2", "minilm", 0.95, 0.95, 0.061)]
    got = mod.rule(over, 0.9, 0.06, ["textcnn"], 0.02)
    assert not got["guard_fpr_met"] and not got["met"] and got["worst_guard_fpr"] == 0.061
    drop = [*ok, row("addsent-2", "textcnn", 0.99, 0.96, 0.02)]
    got = mod.rule(drop, 0.9, 0.06, ["textcnn"], 0.02)
    assert got["tpr_met"] and not got["no_worse_met"] and got["no_worse_models"] == 2


def test_guard_vs_default_met_failing_and_undecided(load_benchmark) -> None:
    """h15b's guard criterion: the candidate's guard FPR against the default's on the same
    model (default figures from any file); a model without its default leaves it undecided."""
    mod = load_benchmark("strip_text_calibrate_rule")
    rows = [row("addsent-1", "minilm", 0.8, 0.95, 0.10), row("badnl-1", "textcnn", 0.9, 0.9, 0.05)]
    defaults = {"addsent-1": {"guard_fpr": 0.085}, "badnl-1": {"guard_fpr": 0.04}}
    got = mod.guard_vs_default(rows, defaults, 0.02)
    assert got["met"] is True and got["largest_rise_model"] == "addsent-1"
    assert got["largest_rise"] == 0.015
    defaults["badnl-1"] = {"guard_fpr": 0.02}  # a rise of 0.03
    got = mod.guard_vs_default(rows, defaults, 0.02)
    assert got["met"] is False and got["largest_rise_model"] == "badnl-1"
    got = mod.guard_vs_default(rows, {"addsent-1": {"guard_fpr": 0.085}}, 0.02)
    assert got["met"] is None and got["without_default"] == ["badnl-1"]
