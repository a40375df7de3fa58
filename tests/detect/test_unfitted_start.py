"""Issue 9, stop 54 (h9A): ``fitted_on.gate_unseen = "max@kind:unfitted"`` (candidate V) — a
model whose read activation has no ``@<kind>`` start, covered or not, starts at the highest
start of its kind; a model with no activation trait, or one whose group was fitted, is scored as
before; V moves no stored run; and the scripts that read it refuse bad input in one line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch

from script_run import run_script
from shipped_calibration import shipped_without_later
from trojanscope.detect.calibration import (
    UNFITTED_MAX_KIND,
    UNSEEN_MAX_KIND,
    Calibrator,
    gate_shift,
    gated_off,
    load_calibrators,
    unseen_start,
)

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "foreign_s54a"
PIXEL, FRAME = "auto:raise", "auto:raise:frame"


def _term(key: str, mode: str | None, drop: str = "") -> Calibrator:
    """The shipped term ``key`` with ``gate_unseen`` set to ``mode`` (None: off) and the starts
    whose key contains ``drop`` removed (a held-out group)."""
    term = load_calibrators()[key]
    fitted = {k: v for k, v in term.fitted_on.items() if k != "gate_unseen"}
    fitted["gate_start"] = {k: v for k, v in fitted["gate_start"].items()
                            if not drop or drop not in k}
    if mode is not None:
        fitted["gate_unseen"] = mode
    return Calibrator(term.method, term.features, term.coef, term.intercept, fitted)


LEAKY = ["activation:leaky_relu", "layer:conv", "pool:none"]


def test_a_held_out_covered_activation_gets_the_highest_start_of_its_kind_under_v_only() -> None:
    # the empty-pixel term covers LeakyReLU (the own engine's models): U leaves a held-out
    # LeakyReLU CNN at the term's own start 0.20, V starts it at the highest @conv start
    v = _term(PIXEL, UNFITTED_MAX_KIND, drop="leaky_relu")
    u = _term(PIXEL, UNSEEN_MAX_KIND, drop="leaky_relu")
    highest = max(s for k, s in v.fitted_on["gate_start"].items() if k.endswith("@conv"))
    assert highest == v.fitted_on["gate_start"]["activation:sigmoid@conv"] > 0.4
    assert unseen_start(u, LEAKY) is None and gate_shift(u, LEAKY) == 0.0
    assert unseen_start(v, LEAKY) == highest
    slope, start = v.fitted_on["slope"], v.fitted_on["start"]
    assert gate_shift(v, LEAKY) == pytest.approx(-slope * (highest - start))


@pytest.mark.parametrize("traits", [
    ["layer:conv", "pool:max"],                          # no activation read: the term's start
    [],                                                  # an MLP with no activation read
    ["activation:leaky_relu", "layer:conv"],             # its own @conv start
    ["activation:relu", "layer:conv", "pool:max"],       # its own @conv start
    ["activation:tanh"],                                 # its own @dense start
])
def test_v_scores_a_fitted_group_or_an_unread_activation_as_before(traits: list[str]) -> None:
    for key in (PIXEL, FRAME):
        on, off = _term(key, UNFITTED_MAX_KIND), _term(key, None)
        if key == FRAME:  # V's file writes the ReLU-CNN start out as the term's own start
            on.fitted_on["gate_start"] = {"activation:relu@conv": on.fitted_on["start"],
                                          **on.fitted_on["gate_start"]}
        assert unseen_start(on, traits) is None, (key, traits)
        assert gate_shift(on, traits) == gate_shift(off, traits)
        assert gated_off(on, traits) == gated_off(off, traits)


def test_a_held_out_uncovered_activation_is_not_gated_off_under_v() -> None:
    off = _term(FRAME, None, drop="sigmoid")
    v = _term(FRAME, UNFITTED_MAX_KIND, drop="sigmoid")
    traits = ["activation:sigmoid", "layer:conv", "pool:avg"]
    assert gated_off(off, traits) == ["activation:sigmoid"]
    assert gated_off(v, traits) == []
    assert unseen_start(v, traits) == max(s for k, s in v.fitted_on["gate_start"].items()
                                          if k.endswith("@conv"))


def test_cal_v_is_the_shipped_file_with_the_option_and_the_relu_cnn_start_written_out() -> None:
    shipped = {k: v for k, v in shipped_without_later().items()
               if not k.endswith(":excess")}  # stop 55 (h9A)
    cand = json.loads((DATA / "cal_V.json").read_text())
    assert set(cand) == set(shipped)
    for key in shipped:
        a, b = shipped[key], cand[key]
        if key not in (PIXEL, FRAME):
            assert a == b, key
            continue
        assert b["fitted_on"]["gate_unseen"] == UNFITTED_MAX_KIND
        rest = {k: v for k, v in b["fitted_on"].items() if k != "gate_unseen"}
        if key == FRAME:
            assert rest["gate_start"]["activation:relu@conv"] == rest["start"] == 0.32
        ref = {k: v for k, v in a["fitted_on"].items() if k != "gate_unseen"}
        ref["gate_start"] = {**({"activation:relu@conv": ref["start"]} if key == FRAME else {}),
                             **ref["gate_start"]}
        assert rest == ref, key
        assert {k: v for k, v in a.items() if k != "fitted_on"} == \
            {k: v for k, v in b.items() if k != "fitted_on"}


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_v_moves_no_stored_run_of_seeds_50_to_76(load_benchmark) -> None:
    fresh = load_benchmark("lofo_fresh")
    mod = load_benchmark("r13p_lofo")
    rows = mod.load_rows({**mod.SEEDS16, **load_benchmark("relu_cnn_mmbd").LATER})
    files = fresh.candidates(load_calibrators())
    moved = fresh.whole(rows, files)["moved_by_V"]
    assert len(rows) > 700 and moved == []


def test_the_leaky_fold_under_v_lifts_no_clean_leaky_cnn(load_benchmark) -> None:
    # stop 52 h9L: held out, the LeakyReLU fold flagged two clean CNNs (s65 0.986, s73 0.934)
    mod, fresh = load_benchmark("r13p_lofo"), load_benchmark("lofo_fresh")
    base, gk, shipped = (load_calibrators(mod.STOP49), load_calibrators(mod.GK8),
                         load_calibrators())
    rows = mod.load_rows(mod.SEEDS16)
    cals, fit = mod.fold_file(base, gk, shipped, rows, "script", "leaky_strided_cnn")
    assert not any(r["arch_family"] == "leaky_strided_cnn" for r in fit)
    scored = [r for r in rows if r["arch_family"] == "leaky_strided_cnn"]
    files = fresh.candidates(cals)
    today, v = (mod.figures(scored, files[n]) for n in ("today", "V"))
    assert len(today["clean_flagged"]) == 2 and v["clean_flagged"] == []
    assert v["cross_entropy"] < today["cross_entropy"]


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return run_script(script, *args)


@pytest.mark.parametrize("spec", ["77", "77=a.jsonl", "=a,b", "77=/no/such.jsonl,/no/t.json"])
def test_lofo_fresh_refuses_a_bad_fresh_spec_in_one_line(tmp_path: Path, spec: str) -> None:
    out = tmp_path / "l.json"
    res = _run("lofo_fresh.py", "--fresh", spec, "--json", str(out))
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().count("\n") == 0 and "--fresh" in res.stderr
    assert not out.exists()


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_lofo_fresh_refuses_a_run_file_without_reports(tmp_path: Path) -> None:
    runs, truth = tmp_path / "r.jsonl", tmp_path / "t.json"
    runs.write_text(json.dumps({"name": "a-00", "backdoored": False, "report": None}) + "\n")
    truth.write_text(json.dumps({"models": [{"name": "a-00", "arch_family": "a",
                                             "backdoored": False}]}))
    res = _run("lofo_fresh.py", "--fresh", f"9={runs},{truth}", "--json",
               str(tmp_path / "l.json"))
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0
    assert "no runs with their reports" in res.stderr


def _fam(auc: float, ce: float, clean: int = 2, bd: int = 2) -> dict:
    return {"roc_auc": auc, "cross_entropy": ce, "clean": clean, "backdoored": bd}


def _seed(v_leaky: dict) -> dict:
    fam_t = {"script: a": _fam(1.0, 0.1), "script: leaky": _fam(1.0, 0.7)}
    folds = {f: {"kind": "script", "today": t, "U": t, "V": v_leaky if f == "script: leaky"
                 else t} for f, t in fam_t.items()}
    whole = {"models": 8, "roc_auc": 1.0, "cross_entropy": 0.1, "clean_flagged": [],
             "right_target_flagged": 4, "backdoored_flagged": 4}
    worst = {n: {"script": {"goal_met": all(v[n]["cross_entropy"] <= 0.3 for v in folds.values()),
                            "cross_entropy": max(v[n]["cross_entropy"] for v in folds.values())},
                 "trigger": {"families": 0}} for n in ("today", "U", "V")}
    return {"folds": folds, "whole": {"today": whole, "U": whole, "V": whole}, "worst": worst}


def test_the_rule_reads_the_worst_family_and_a_family_lost(load_benchmark) -> None:
    rule = load_benchmark("rule_s54a_check")
    met = rule.check(_seed(_fam(1.0, 0.2)), (0.95, 0.30))
    assert met["a_worst_script_family"] and met["b"] and met["c"] and met["met_a_to_c"]
    missed = rule.check(_seed(_fam(1.0, 0.35)), (0.95, 0.30))
    assert not missed["a_worst_script_family"] and not missed["met_a_to_c"]
    seed = _seed(_fam(1.0, 0.2))
    seed["folds"]["script: a"]["V"] = _fam(0.9, 0.1)  # met under today, missed under V
    assert rule.check(seed, (0.95, 0.30))["b_families_lost"] == ["script: a"]


def test_the_rule_check_refuses_a_seed_it_has_no_reading_of(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    path.write_text(json.dumps({"goal": [0.95, 0.3], "seeds": {}}))
    res = _run("rule_s54a_check.py", str(path), "--seed", "77")
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0


def test_relu_cnn_mmbd_refuses_a_missing_folder(tmp_path: Path) -> None:
    res = _run("relu_cnn_mmbd.py", "--json", str(tmp_path / "no" / "r.json"))
    assert res.returncode == 2 and "no such folder" in res.stderr
