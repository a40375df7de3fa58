"""Stop 55 h9B: MM-BD's own clean flags set aside (``benchmarks/mmbd_aside.py``), pooled fresh
seeds (``lofo_fresh.py --pool``) and the plan's rule (``benchmarks/rule_s55b_check.py``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from script_run import run_script
from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
GOAL = (0.95, 0.30)
EVAL = [0.9875, 0.18298401050670612]
ASIDE = "without_mmbd_clean"


def _fam(auc: float | None, ce: float, clean: int = 2, bd: int = 2,
         aside: dict | None = None, mmbd: list[str] | None = None) -> dict:
    f = {"roc_auc": auc, "cross_entropy": ce, "clean": clean, "backdoored": bd,
         "mmbd_clean": mmbd or []}
    f[ASIDE] = aside or {k: v for k, v in f.items() if k != "mmbd_clean"}
    return f


def _whole(ce: float = 0.1, clean: list[str] | None = None, right: int = 4,
           models: int = 40) -> dict:
    return {"models": models, "roc_auc": 1.0, "cross_entropy": ce, "clean_flagged": clean or [],
            "right_target_flagged": right, "backdoored_flagged": 4}


def _seed(v_script: dict, today_script: dict | None = None, models: int = 40) -> dict:
    folds = {"script: a": {"kind": "script", "today": today_script or _fam(1.0, 0.1),
                           "V": v_script},
             "script: b": {"kind": "script", "today": _fam(1.0, 0.2), "V": _fam(1.0, 0.2)},
             "trigger: t": {"kind": "trigger", "today": _fam(1.0, 0.1, 20),
                            "V": _fam(1.0, 0.1, 20)},
             "script: one": {"kind": "script", "today": _fam(0.5, 2.0, 1, 1),
                             "V": _fam(0.5, 2.0, 1, 1)}}
    return {"folds": folds, "whole": {"today": _whole(models=models),
                                      "V": _whole(models=models), "moved_by_V": []}}


def _checks() -> tuple[dict, dict]:
    unseen = {"moved": [], "own_eval": {"shipped": EVAL, "V": EVAL, "moved": []}}
    return unseen, {"seeds": {"79": {}}, "moved_total": 0}


def test_met_when_v_fixes_a_family_and_its_worst_meets_the_goal(load_benchmark) -> None:
    rule = load_benchmark("rule_s55b_check")
    res = rule.check(_seed(_fam(1.0, 0.25), today_script=_fam(1.0, 0.7)), GOAL, *_checks(), 24)
    assert res["met"] and res["zero"] and res["a"] and res["b"] and res["c"] and res["d"]
    assert "script: one" not in res["read_families"]  # one backdoored model: not read
    # within the goal but above today's worst elsewhere: the strict reading, information only
    res = rule.check(_seed(_fam(1.0, 0.25)), GOAL, *_checks(), 24)
    assert res["met"] and not res["b_strict_by_kind (information)"]["script"]


def test_a_worse_worst_family_beyond_the_goal_or_a_family_lost_fails(load_benchmark) -> None:
    rule = load_benchmark("rule_s55b_check")
    worse = rule.check(_seed(_fam(1.0, 0.8), today_script=_fam(1.0, 0.7)), GOAL, *_checks(), 24)
    assert not worse["b"] and not worse["met"] and worse["a"]  # missed under both: not "lost"
    lost = rule.check(_seed(_fam(1.0, 0.35)), GOAL, *_checks(), 24)
    assert lost["a_families_lost"] == ["script: a"] and not lost["met"]
    auc = rule.check(_seed(_fam(0.9, 0.1)), GOAL, *_checks(), 24)
    assert not auc["a"] and not auc["b"]


def test_a_clean_model_flagged_before_any_raise_is_set_aside_alike(load_benchmark) -> None:
    rule = load_benchmark("rule_s55b_check")
    clean_mmbd = dict(mmbd=["s82:a-00"], aside=_fam(1.0, 0.1, 1))
    seed = _seed(_fam(1.0, 0.4, **clean_mmbd), today_script=_fam(1.0, 0.4, **clean_mmbd))
    res = rule.check(seed, GOAL, *_checks(), 24)
    assert res["met"] and res["mmbd_clean_models"] == ["s82:a-00"]
    assert res["worst_raw"]["V"]["script"]["cross_entropy"] == 0.4
    assert res["worst_mmbd_aside"]["V"]["script"]["cross_entropy"] == 0.2


def test_too_few_models_or_no_trigger_family_cannot_be_met(load_benchmark) -> None:
    rule = load_benchmark("rule_s55b_check")
    assert not rule.check(_seed(_fam(1.0, 0.1), models=20), GOAL, *_checks(), 24)["met"]
    seed = _seed(_fam(1.0, 0.1))
    del seed["folds"]["trigger: t"]
    res = rule.check(seed, GOAL, *_checks(), 24)
    assert not res["zero"] and not res["b"] and not res["met"]


def test_a_whole_file_move_is_read_by_its_figures(load_benchmark) -> None:
    rule = load_benchmark("rule_s55b_check")
    seed = _seed(_fam(1.0, 0.1))
    seed["whole"]["moved_by_V"] = [["x", 0.1, 0.2, 0, 0]]
    seed["whole"]["V"] = _whole(ce=0.104)
    assert rule.check(seed, GOAL, *_checks(), 24)["c"]
    seed["whole"]["V"] = _whole(ce=0.11)
    assert not rule.check(seed, GOAL, *_checks(), 24)["c"]


def test_fails_only_on_mmbd_needs_the_set_aside_figures_to_meet(load_benchmark) -> None:
    aside = load_benchmark("mmbd_aside")
    assert aside.fails_only_on_mmbd(_fam(1.0, 0.4, mmbd=["x"], aside=_fam(1.0, 0.1, 1)))
    assert not aside.fails_only_on_mmbd(_fam(1.0, 0.4, mmbd=["x"], aside=_fam(1.0, 0.35, 1)))
    assert not aside.fails_only_on_mmbd(_fam(1.0, 0.4))  # no such model: another failure
    assert not aside.fails_only_on_mmbd(_fam(1.0, 0.2, mmbd=["x"]))  # meets the goal anyway


def test_seed_79s_clean_bn_cnn_is_the_one_flagged_before_any_raise(load_benchmark) -> None:
    # stop 54 h9C: the shipped file flags s79 bn_cnn-00 (0.696) on the wider calibrator's own
    # features; no other clean model of seed 79 reads >= 0.5 before a raise
    aside, lofo = load_benchmark("mmbd_aside"), load_benchmark("lofo_fresh")
    d = ROOT / "benchmarks" / "data" / "foreign_s54c"
    rows = lofo.fresh_rows("79", d / "detect79_runs.jsonl.gz", d / "zoo-s79_truth.json.gz")
    cals = load_calibrators()
    assert aside.mmbd_clean(rows, cals) == ["s79:bn_cnn-00"]
    before, after = aside.unraised(next(r for r in rows if r["name"] == "bn_cnn-00"), cals)
    assert before == after and 0.69 < after < 0.70
    fig = aside.with_aside(rows, cals, ["s79:bn_cnn-00"])
    assert fig["clean_flagged"] == ["s79:bn_cnn-00"] and fig[ASIDE]["clean_flagged"] == []
    assert fig[ASIDE]["models"] == fig["models"] - 1


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return run_script(script, *args)


def test_lofo_fresh_refuses_a_bad_pool_in_one_line(tmp_path: Path) -> None:
    runs, truth, out = tmp_path / "r.jsonl", tmp_path / "t.json", tmp_path / "l.json"
    runs.write_text("")
    truth.write_text("{}")
    fresh = ["--fresh", f"1={runs},{truth}", "--fresh", f"2={runs},{truth}"]
    for pool, said in (("p=1", "two --fresh labels"), ("p=1,3", "no --fresh seed"),
                       ("1=1,2", "already used"), ("p=1,1", "two --fresh labels")):
        res = _run("lofo_fresh.py", *fresh, "--pool", pool, "--json", str(out))
        assert res.returncode == 2 and res.stderr.strip().count("\n") == 0, res.stderr
        assert "--pool" in res.stderr and said in res.stderr
        assert not out.exists()


def test_the_checker_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    lofo = tmp_path / "l.json"
    lofo.write_text(json.dumps({"goal": [0.95, 0.3], "seeds": {}}))
    base = ["--unseen-check", str(lofo), "--whole-check", str(lofo)]
    for extra in ([str(lofo), "--seed", "82", *base],
                  [str(tmp_path / "no.json"), "--seed", "82", *base],
                  [str(lofo), "--seed", "82", "--min-models", "0", *base]):
        res = _run("rule_s55b_check.py", *extra)
        assert res.returncode == 2 and res.stderr.strip().count("\n") == 0, res.stderr
