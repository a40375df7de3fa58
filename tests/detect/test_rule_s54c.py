"""Stop 54 h9C's rule check (``benchmarks/rule_s54c_check.py``): V read leave-one-family-out on a
fresh seed, asking issue 9's goal of the worst held-out architecture and trigger family."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from script_run import run_script

ROOT = Path(__file__).resolve().parents[2]
GOAL = (0.95, 0.30)
EVAL = [0.9875, 0.18298401050670612]


def _fam(auc: float | None, ce: float, clean: int = 2, bd: int = 2) -> dict:
    return {"roc_auc": auc, "cross_entropy": ce, "clean": clean, "backdoored": bd}


def _whole(ce: float = 0.1, clean: list[str] | None = None, right: int = 4) -> dict:
    return {"models": 8, "roc_auc": 1.0, "cross_entropy": ce, "clean_flagged": clean or [],
            "right_target_flagged": right, "backdoored_flagged": 4}


def _seed(v_script: dict, v_trigger: dict | None = None) -> dict:
    folds = {"script: a": {"kind": "script", "today": _fam(1.0, 0.1), "V": v_script},
             "script: b": {"kind": "script", "today": _fam(1.0, 0.2), "V": _fam(1.0, 0.2)},
             "trigger: t": {"kind": "trigger", "today": _fam(1.0, 0.1, 4),
                            "V": v_trigger or _fam(1.0, 0.1, 4)},
             "script: one": {"kind": "script", "today": _fam(0.5, 2.0, 1, 1),
                             "V": _fam(0.5, 2.0, 1, 1)}}
    return {"folds": folds, "whole": {"today": _whole(), "V": _whole(), "moved_by_V": []}}


def _checks(moved: int = 0) -> tuple[dict, dict]:
    unseen = {"moved": [{}] * moved, "own_eval": {"shipped": EVAL, "V": EVAL, "moved": []}}
    return unseen, {"seeds": {"77": {}}, "moved_total": 0}


def test_met_when_both_worst_families_meet_the_goal_and_nothing_moves(load_benchmark) -> None:
    rule = load_benchmark("rule_s54c_check")
    res = rule.check(_seed(_fam(1.0, 0.25)), GOAL, *_checks())
    assert res["met"] and res["a"] and res["b"] and res["c"] and res["d"]
    assert "script: one" not in res["read_families"]  # one backdoored model: not read
    # no slack against today's worst: 0.25 is worse than today's 0.2 and still met
    assert res["worst"]["V"]["script"]["cross_entropy"] == 0.25


def test_a_missed_worst_trigger_family_or_a_family_lost_fails(load_benchmark) -> None:
    rule = load_benchmark("rule_s54c_check")
    res = rule.check(_seed(_fam(1.0, 0.1), _fam(0.9, 0.1, 4)), GOAL, *_checks())
    assert not res["a"] and res["b_families_lost"] == ["trigger: t"] and not res["met"]


def test_a_family_without_a_clean_model_is_read_on_ce_alone(load_benchmark) -> None:
    rule = load_benchmark("rule_s54c_check")
    seed = _seed(_fam(None, 0.2, 0, 2))
    seed["folds"]["script: a"]["today"] = _fam(None, 0.2, 0, 2)
    assert rule.check(seed, GOAL, *_checks())["a"]
    seed["folds"]["script: a"]["V"] = _fam(None, 0.4, 0, 2)
    assert not rule.check(seed, GOAL, *_checks())["a"]


def test_a_whole_file_move_is_read_by_its_figures_and_a_stored_move_fails(load_benchmark) -> None:
    rule = load_benchmark("rule_s54c_check")
    seed = _seed(_fam(1.0, 0.1))
    seed["whole"]["moved_by_V"] = [["x", 0.1, 0.2, 0, 0]]
    seed["whole"]["V"] = _whole(ce=0.104)
    assert rule.check(seed, GOAL, *_checks())["c"]
    seed["whole"]["V"] = _whole(ce=0.104, clean=["x"])
    assert not rule.check(seed, GOAL, *_checks())["c"]
    assert not rule.check(_seed(_fam(1.0, 0.1)), GOAL, *_checks(moved=1))["d"]


def test_no_family_of_a_kind_cannot_be_met(load_benchmark) -> None:
    rule = load_benchmark("rule_s54c_check")
    seed = _seed(_fam(1.0, 0.1))
    del seed["folds"]["trigger: t"]
    assert not rule.check(seed, GOAL, *_checks())["a"]


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return run_script(script, *args)


def test_the_checker_refuses_a_missing_seed_or_file_in_one_line(tmp_path: Path) -> None:
    lofo = tmp_path / "l.json"
    lofo.write_text(json.dumps({"goal": [0.95, 0.3], "seeds": {}}))
    for extra in ([str(lofo), "--seed", "79", "--unseen-check", str(lofo), "--whole-check",
                   str(lofo)],
                  [str(tmp_path / "no.json"), "--seed", "79", "--unseen-check", str(lofo),
                   "--whole-check", str(lofo)]):
        res = _run("rule_s54c_check.py", *extra)
        assert res.returncode == 2 and res.stderr.strip().count("\n") == 0, res.stderr


def test_the_whole_check_refuses_a_missing_folder(tmp_path: Path) -> None:
    res = _run("unfitted_whole_check.py", "--fresh", "9=a,b", "--json",
               str(tmp_path / "no" / "w.json"))
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0
