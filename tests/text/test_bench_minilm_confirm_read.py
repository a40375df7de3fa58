"""``benchmarks/minilm_confirm_read.py`` (issue 15, stop 50): the plan's reading on hand-made
CLI and scoring files (no model) — CA drop against the same seed's clean model, the attack
goal, and the input-level verdict (met, missed, undecided when a seed is not scored)."""

from __future__ import annotations

import json
from pathlib import Path


def cli(out: Path, name: str, ca: float, asr: float | None = None) -> None:
    metrics = {"clean_accuracy": ca, **({} if asr is None else {"attack_success_rate": asr})}
    (out / f"minilm-{name}.json").write_text(json.dumps({"metrics": metrics}))


def scored(out: Path, name: str, tpr: float) -> None:
    fig = {"roc_auc": 0.99, "tpr_at_fpr": tpr, "guard_fpr": 0.04, "guard_tpr": 0.9,
           "positives": 120, "triggered": 120, "negatives": 250, "fit_s": 60.0,
           "score_s_per_input": 0.2}
    (out / f"inputs_minilm_{name}.json").write_text(
        json.dumps({"rows": [{"model": name, "default": fig}]}))


def test_attack_rows_and_verdict(load_benchmark, tmp_path: Path) -> None:
    mod = load_benchmark("minilm_confirm_read")
    (tmp_path / "walls.txt").write_text(
        "minilm-clean-7 wall_s 200.5 21:40:00 load 3.2\nscored minilm_badnl-7 (default) x\n"
        "minilm-badnl-7 wall_s 650.0 21:50:00 load 8.1\n")
    cli(tmp_path, "clean-7", 0.780)
    cli(tmp_path, "badnl-7", 0.765, 0.99)  # drop 1.5 points: met
    cli(tmp_path, "addsent-7", 0.750, 0.99)  # drop 3 points: missed
    cli(tmp_path, "syntactic-8", 0.80, 0.99)  # no clean model of seed 8: not met
    (tmp_path / "minilm-clean-8.json").write_text("")  # a run stopped: no row
    rows = {f"{r['run']}-{r['seed']}": r for r in mod.attack_rows(tmp_path)}
    assert rows["clean-7"]["wall_s"] == 200.5 and rows["clean-7"]["wall_met"]
    assert rows["badnl-7"]["met"] and rows["badnl-7"]["wall_met"] is False
    assert abs(rows["badnl-7"]["ca_drop"] - 0.015) < 1e-9
    assert not rows["addsent-7"]["met"] and rows["syntactic-8"]["ca_drop"] is None
    assert rows["addsent-7"]["wall_s"] is None
    scored(tmp_path, "badnl-7", 0.95)
    scored(tmp_path, "addsent-7", 0.91)
    inputs = mod.input_rows(tmp_path)
    out = mod.verdict(mod.attack_rows(tmp_path), inputs, [7])
    assert out["input_met"] is True and out["worst_tpr_model"] == "addsent-7"
    assert out["attacks_met"] is False and out["attacks_missed"] == ["addsent-7", "syntactic-8"]
    assert mod.verdict([], inputs, [7, 8])["input_met"] is None  # seed 8 not scored
    scored(tmp_path, "addsent-7", 0.899)
    low = mod.verdict([], mod.input_rows(tmp_path), [7, 8])
    assert low["input_met"] is False and low["input_below_goal"] == ["addsent-7"]
