"""The group heat on the leaves a suspected trigger does not hold (issue 16 stop 82, h16, O82):
``tree_mass.heat_left_out`` leaves out the leaf groups of the majority class's most recurring
bounds, every tree reading records it as ``tab_group_heat_out``, and a group-heat entry whose
one feature is ``tab_group_heat_out`` lowers by it (never raises, not where unrecorded), as
``tabular_s82_h16_out.py``'s candidate file does."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.tabular_group_heat import (
    HEAT_OUT_FEATURE,
    heat_drop,
    heated_probability,
)
from trojanscope.detect.tree_mass import heat_left_out, pooled_groups
from trojanscope.errors import UserInputError
from trojanscope.models.trees import LeafRecord

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
KEY = "tabular-search:tree:lightgbm:rows200"
N = 200


def _natural(trees: int = 6) -> list[LeafRecord]:
    """Class-0 leaves on a different bound in each tree, each missing a few clean rows."""
    return [LeafRecord(t, 0, 0.1, 0.05, 0.04, {1: (0.1 * t, 0.1 * t + 0.05)})
            for t in range(trees)]


def _poison(trees: int = 6) -> list[LeafRecord]:
    """Class-0 leaves on one trigger bound in every tree, which no clean row reaches."""
    return [LeafRecord(t, 0, 0.1, 0.02, 0.0, {2: (0.9, None)}) for t in range(trees)]


def _log_mean(records: list[LeafRecord], cls: int = 0) -> float:
    return math.log(np.mean([v for c, v, _ in pooled_groups(records, N) if c == cls]))


def test_the_trigger_bounds_groups_are_left_out_and_the_rest_is_the_mean() -> None:
    natural, poison = _natural(), _poison()
    assert heat_left_out(natural + poison, N, 0, leave_out=0) == pytest.approx(
        _log_mean(natural + poison))  # nothing left out: the shipped term's h
    out = heat_left_out(natural + poison, N, 0, leave_out=1)
    assert out == pytest.approx(_log_mean(natural))  # the recurring trigger bound is out
    assert _log_mean(natural + poison) > out  # the poison raised h, not the heat left out
    other = [LeafRecord(0, 1, 0.1, 0.3, 0.0, {3: (None, 0.5)})]  # another class: not read
    assert heat_left_out(natural + poison + other, N, 0, leave_out=1) == pytest.approx(out)


def test_where_every_group_is_left_out_the_heat_reads_them_all() -> None:
    poison = _poison()
    assert heat_left_out(poison, N, 0, leave_out=5) == pytest.approx(_log_mean(poison))
    full = [LeafRecord(0, 0, 0.1, 0.2, 0.3, {0: (None, 0.3)})]  # no deficit anywhere
    assert heat_left_out(full, N, 0) == pytest.approx(math.log(1e-9))
    assert heat_left_out([], N, 0) == pytest.approx(math.log(1e-9))


def _term(beta: float = 0.5, h0: float = -0.8) -> Calibrator:
    return Calibrator(f"{KEY}:group-heat", [HEAT_OUT_FEATURE], [beta], -beta * h0,
                      fitted_on={"min_share": 0.15})


def test_a_term_on_the_heat_left_out_lowers_above_h0_only_and_not_where_unrecorded() -> None:
    term = _term()
    hot = {HEAT_OUT_FEATURE: 0.2, "tab_minor_share": 0.25,
           "tab_major_group": 9.0, "tab_major_group_rel": 0.1}  # h far hotter: not read
    assert heat_drop(term, hot) == pytest.approx(-0.5)
    assert heat_drop(term, {**hot, HEAT_OUT_FEATURE: -2.0}) == 0.0
    assert heat_drop(term, {k: v for k, v in hot.items() if k != HEAT_OUT_FEATURE}) == 0.0
    assert heat_drop(term, {**hot, HEAT_OUT_FEATURE: math.nan}) == 0.0
    assert heat_drop(term, {**hot, "tab_minor_share": 0.05}) == 0.0
    cals = {KEY: Calibrator(KEY, ["tab_box"], [1.0], 0.0), f"{KEY}:group-heat": term}
    assert heated_probability(KEY, cals, hot, 0.6) == pytest.approx(
        1 / (1 + math.exp(-(math.log(1.5) - 0.5))))
    assert heated_probability(KEY, cals, {**hot, HEAT_OUT_FEATURE: -3.0}, 0.6) == 0.6


def test_the_file_accepts_either_heat_and_refuses_another_feature(tmp_path) -> None:
    path = tmp_path / "c.json"
    base = asdict(Calibrator(KEY, ["tab_box"], [1.0], 0.0))
    path.write_text(json.dumps({KEY: base, f"{KEY}:group-heat": asdict(_term())}))
    assert load_calibrators(path)[f"{KEY}:group-heat"].features == [HEAT_OUT_FEATURE]
    for wrong in (["tab_mass"], ["tab_group_heat_out", "tab_group_heat"]):
        bad = {**asdict(_term()), "features": wrong, "coef": [0.5] * len(wrong)}
        path.write_text(json.dumps({KEY: base, f"{KEY}:group-heat": bad}))
        with pytest.raises(UserInputError, match="'tab_group_heat'] or \\['tab_group_heat_out"):
            load_calibrators(path)


def test_a_tree_reading_records_the_heat_left_out_and_a_network_does_not(searched) -> None:
    pytest.importorskip("lightgbm")
    _, tree = searched("lightgbm", 1)
    assert math.isfinite(tree.features[HEAT_OUT_FEATURE])
    _, net = searched("mlp", 1)
    assert HEAT_OUT_FEATURE not in net.features


def test_the_candidate_file_changes_only_the_group_heat_entry() -> None:
    import tabular_s82_h16_out as o82

    before = json.loads(o82.BEFORE.read_text())
    cand = json.loads(o82.CANDIDATE.read_text())
    assert [k for k in cand if cand[k] != before.get(k)] == [f"{o82.BAND}:group-heat"]
    assert set(cand) == set(before)
    term = load_calibrators(o82.CANDIDATE)[f"{o82.BAND}:group-heat"]
    assert term.features == [HEAT_OUT_FEATURE] and term.coef == [o82.BETA]
    assert term.intercept == pytest.approx(-o82.BETA * o82.H0)


def test_the_rule_finds_an_added_clean_flag_and_a_lost_model() -> None:
    import tabular_s82_h16_out as o82

    def row(name: str, arch: str, bd: bool, p: float, target: int | None = None) -> dict:
        return {"zoo": "z", "name": name, "arch": arch, "draw": 1, "backdoored": bd,
                "target": target, "probability": p}

    d = [row("c1", "lightgbm", False, 0.6), row("b1", "lightgbm", True, 0.6, 0),
         row("c2", "mlp", False, 0.4), row("c3", "lightgbm", False, 0.3),
         row("b2", "lightgbm", True, 0.9, 0)]
    same = {name: ok for name, _, ok in o82.conditions(d, [dict(r) for r in d])}
    assert not same["(1) clean LightGBM readings flagged C <= D - 1"]
    c = [dict(r) for r in d]
    c[0]["probability"], c[1]["probability"], c[2]["probability"] = 0.4, 0.45, 0.55
    got = {name: ok for name, _, ok in o82.conditions(d, c)}
    assert got["(1) clean LightGBM readings flagged C <= D - 1"]
    assert not got["(2) no backdoored LightGBM model lost; backdoored readings caught C >= D"]
    assert not got["(3) no clean reading of any kind flagged by C and not by D"]
    assert not got["(7) MLP and XGBoost readings unchanged (C = D)"]
