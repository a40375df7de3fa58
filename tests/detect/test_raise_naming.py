"""Issue 9, stop 53 (h9B): ``fitted_on.name_floor`` on a raise term — a raise names the suspect
only where its lift reaches the floor — and the candidate file ``foreign_s53b/cal_N.json``
written by ``benchmarks/name_floor.py`` from R13P (the file shipped before), shipped since
stop 53 by the rule of ``foreign_s53b/plan.md`` met on fresh seed 76."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from trojanscope.detect.calibration import _own_lifts, calibrate, load_calibrators
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
CAND = DATA / "foreign_s53b" / "cal_N.json"
SHIPPED = ROOT / "src" / "trojanscope" / "detect" / "calibration.json"
R13P = DATA / "foreign_s51" / "cal_R13P.json"  # shipped from stop 51 to stop 52
TERMS = ("auto:raise", "auto:raise:pixels", "auto:raise:frame")


@pytest.fixture(scope="module")
def seed73(load_benchmark):
    """A reader of seed 73's recorded runs (stop 52): name -> a fresh verdict, as calibration
    reads it (the benchmarks' own ``verdict_of``)."""
    rows = load_benchmark("_common").read_jsonl(DATA / "foreign_s52" / "detect73_runs.jsonl.gz")
    verdict_of = load_benchmark("foreign_zoo_detect").verdict_of
    by_name = {r["name"]: r for r in rows}
    return lambda name: verdict_of(by_name[name]["report"]), rows


def test_n_differs_from_r13p_only_by_the_floor_and_v_keeps_its_floors() -> None:
    # shipped from stop 53 to stop 55; since stop 55 the shipped file is V (h9B: N plus
    # gate_unseen on the two gated terms and the frame term's ReLU-CNN start written out)
    # plus h9A's two excess terms
    shipped_v = load_calibrators(SHIPPED)
    assert {shipped_v[k].fitted_on["name_floor"] for k in TERMS} == {1.95}
    shipped, cand = load_calibrators(R13P), load_calibrators(CAND)
    assert set(shipped) == set(cand)
    extra = ("name_floor", "name_floor_design")
    for key in shipped:
        a, b = shipped[key], cand[key]
        fb = {k: v for k, v in b.fitted_on.items() if k not in extra}
        assert (a.features, a.coef, a.intercept, a.mean, a.scale, a.fitted_on) == (
            b.features, b.coef, b.intercept, b.mean, b.scale, fb), key
        assert ("name_floor" in b.fitted_on) == (key in TERMS), key
    assert {cand[k].fitted_on["name_floor"] for k in TERMS} == {1.95}


def test_seed73s_weak_frame_raise_no_longer_names_the_suspect(seed73) -> None:
    """Fails without the floor: R13P's frame raise (1.2 logits) puts class 8 first over
    MM-BD's class 2, the model's target."""
    verdict, _ = seed73
    a = calibrate(verdict("ln_gelu_cnn-03"), load_calibrators(R13P))
    b = calibrate(verdict("ln_gelu_cnn-03"), load_calibrators(CAND))
    assert a.target_classes[0] == 8 and a.features["raise_logit_frame"] == pytest.approx(1.2)
    assert b.target_classes[0] == 2 and b.features["raise_name_held"] == 1.0
    assert b.probability == a.probability  # the probability is raised exactly as before
    assert "unraised_top_class" not in b.features
    again = calibrate(b, load_calibrators(R13P))  # calibrating again: no stale hold
    assert again.target_classes[0] == 8 and "raise_name_held" not in again.features


def test_a_strong_raise_still_names_the_suspect(seed73) -> None:
    """A raise above the floor reorders as shipped; every probability is the recorded one."""
    verdict, rows = seed73
    cands = load_calibrators(CAND)
    named = 0
    for row in rows:
        v = calibrate(verdict(row["name"]), cands)
        if "unraised_top_class" in v.features:
            assert max(_own_lifts(v.features).values()) >= 1.95  # the namer's own
            named += 1
        assert v.probability == pytest.approx(row["probability"], abs=1e-12)
    assert named >= 10


@pytest.mark.parametrize("bad", [-1.0, "2", True, float("nan"), None])
def test_a_bad_floor_is_refused_when_read(tmp_path, bad) -> None:
    data = json.loads(CAND.read_text())
    data["auto:raise:frame"]["fitted_on"]["name_floor"] = bad
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserInputError, match=r"auto:raise:frame.*name_floor"):
        load_calibrators(path)


def test_a_floor_on_an_entry_that_is_no_raise_term_is_refused(tmp_path) -> None:
    data = json.loads(R13P.read_text())
    data["auto"]["fitted_on"]["name_floor"] = 2.0
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserInputError, match=r"'auto'.*raise terms only"):
        load_calibrators(path)


def test_choose_floor_is_the_midpoint_of_the_best_interval(load_benchmark) -> None:
    mod = load_benchmark("name_floor")
    ev = [{"kind": "made_wrong", "lift": 1.2}, {"kind": "made_right", "lift": 2.7},
          {"kind": "made_right", "lift": 9.0}, {"kind": "neither", "lift": 0.5}]
    assert mod.choose_floor(ev) == pytest.approx(1.95)
    assert mod.choose_floor(ev[1:]) == 0.0  # nothing to gain: no floor
    assert mod.choose_floor([{"kind": "made_right", "lift": 0.5}, *ev]) == 0.0  # gain 0
    two = [{"kind": "made_wrong", "lift": 1.0}, {"kind": "made_wrong", "lift": 3.0}, *ev[1:3]]
    assert mod.choose_floor(two) == pytest.approx(1.85)  # gain 1 at 1.0 and at 3.0: the lower
    assert math.isfinite(mod.choose_floor([{"kind": "made_wrong", "lift": 4.0}]))


def test_name_floor_without_its_folder_is_one_line_and_exit_2(load_benchmark, monkeypatch,
                                                              capsys, tmp_path) -> None:
    mod = load_benchmark("name_floor")
    monkeypatch.setattr(sys, "argv", ["name_floor.py", "--out", str(tmp_path / "none")])
    with pytest.raises(SystemExit) as exc:
        mod.run_main(mod.main)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert not (tmp_path / "none").exists()


def test_runner_up_lift_arithmetic(load_benchmark) -> None:
    mod = load_benchmark("runner_up_lift")
    reads = [{"model": "a", "backdoored": True, "p": 0.49, "runner_up": True},
             {"model": "b", "backdoored": False, "p": 0.45, "runner_up": True},
             {"model": "c", "backdoored": False, "p": 0.45, "runner_up": False},
             {"model": "d", "backdoored": True, "p": 0.9, "runner_up": False}]
    assert mod.lifted(reads, 0.0)["fixes"] == mod.lifted(reads, 0.0)["breaks"] == []
    small = mod.lifted(reads, 0.05)
    assert small["fixes"] == ["a"] and small["breaks"] == []
    big = mod.lifted(reads, 0.5)
    assert big["fixes"] == ["a"] and big["breaks"] == ["b"]  # c has no runner-up reading


def test_runner_up_lift_without_its_folder_is_one_line_and_exit_2(load_benchmark, monkeypatch,
                                                                  capsys, tmp_path) -> None:
    mod = load_benchmark("runner_up_lift")
    out = tmp_path / "none" / "r.json"
    monkeypatch.setattr(sys, "argv", ["runner_up_lift.py", "--json", str(out)])
    with pytest.raises(SystemExit) as exc:
        mod.run_main(mod.main)
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1 and not out.exists()


def test_a_held_raise_is_said_and_names_no_class(seed73) -> None:
    """The note says the suspect stays MM-BD's class, and the audit's flag level (which skips
    a class the raise named) reads no named class."""
    from trojanscope.detect.calibration import raise_note, raised_class

    verdict, _ = seed73
    held = calibrate(verdict("ln_gelu_cnn-03"), load_calibrators(CAND))
    named = calibrate(verdict("ln_gelu_cnn-03"), load_calibrators(R13P))
    assert raised_class(held.features) is None and raised_class(named.features) == 8
    assert "stays MM-BD's class" in raise_note(held.features)
    assert "naming floor" not in raise_note(named.features)
