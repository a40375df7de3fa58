"""Issue 9, stop 49b: the ReLU-CNN group's start fitted on both raise terms
(``benchmarks/relu_group_loso.py``) and its candidate file ``cal_R13.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from trojanscope.detect.calibration import gate_shift, gated_off, load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49 (the candidates' base)
R13 = DATA / "foreign_s49b" / "cal_R13.json"
RELU_CNN = ["activation:relu", "layer:conv", "pool:max"]


def _summ(folds: dict[str, int]) -> dict:
    return {f"R_{d}": {"goal_folds": list(range(n)), "mean_ce": 0.1} for d, n in folds.items()}


def test_choose_most_goal_folds_then_smallest_refit(load_benchmark) -> None:
    mod = load_benchmark("relu_group_loso")
    summ = _summ({"shipped": 3, "mmbd2_C0.2": 2, "noagree4_C0.2": 5, "refit7_C0.2": 5})
    assert mod.choose(summ) == "R_noagree4_C0.2"  # tied on 5: the smaller refit
    summ = _summ({"shipped": 5, "mmbd2_C0.2": 2, "noagree4_C0.2": 3, "refit7_C0.2": 4})
    assert mod.choose(summ) == "R_shipped"
    summ = _summ({"shipped": 1, "mmbd2_C0.2": 2, "noagree4_C0.2": 3, "refit7_C0.2": 4})
    assert mod.choose(summ) == "R_refit7_C0.2"


def test_r13_moves_relu_cnn_starts_on_both_terms_and_gates_nothing_off() -> None:
    shipped, cand = load_calibrators(STOP49), load_calibrators(R13)
    for key, start in (("auto:raise", 0.2917), ("auto:raise:frame", 0.4833)):
        assert gate_shift(shipped[key], RELU_CNN) == 0.0
        slope = float(cand[key].fitted_on["slope"])
        base = float(cand[key].fitted_on["start"])
        assert gate_shift(cand[key], RELU_CNN) == pytest.approx(-slope * (start - base))
        assert not gated_off(cand[key], RELU_CNN)


def test_r13_changes_only_its_three_entries() -> None:
    a, b = (json.loads(p.read_text()) for p in (STOP49, R13))
    assert set(a) == set(b) and "text-inversion:raise:unk" in b
    assert sorted(k for k in a if a[k] != b[k]) == [
        "auto:out-of-coverage", "auto:raise", "auto:raise:frame"]


def test_own_eval_replay_lowers_a_lift_by_the_start_move(load_benchmark) -> None:
    mod = load_benchmark("relu_group_loso")
    res = mod.own_eval_relu(load_calibrators(R13))
    assert res["models"] == 40 and len(res["pixel_start_moved"]) == 40
    assert len(res["frame_start_moved"]) == 29
    lifted = res["lifted_replayed"]
    assert lifted and all(r["backdoored"] for r in lifted)
    assert all(r["p_moved"] <= r["p_recorded"] for r in lifted)
    assert mod.own_eval_relu(load_calibrators(STOP49))["pixel_start_moved"] == []
