"""Issue 9, stop 57 (h9): a floor under every raise lift (``fitted_on.min_lift``, candidate M,
``benchmarks/raise_floor_fit.py``), and the held-out reading's fold with no model left once
MM-BD's own clean flags are set aside (``lofo_fresh.py``: it stopped on sklearn's "0 samples")."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest

from shipped_calibration import shipped_without_later
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators, min_lift
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
S56A = ROOT / "benchmarks" / "data" / "foreign_s56a"
TERMS = ("auto:raise", "auto:raise:pixels", "auto:raise:frame")


def _verdict(name: str) -> ModelVerdict:
    """Seed 84's stored run of model ``name`` (stop 56), as calibration reads it."""
    with gzip.open(S56A / "detect84_runs.jsonl.gz", "rt") as f:
        report = next(r for r in map(json.loads, f) if r["name"] == name)["report"]
    return ModelVerdict(report["method"], report["statistic"], list(report["ranking"]), [],
                        features=dict(report["features"]), traits=list(report["traits"]),
                        data_free=bool(report["data_free"]))


def _with_floor(floor: float) -> dict:
    cals = dict(load_calibrators())
    for name in TERMS:
        cals[name] = copy.deepcopy(cals[name])
        cals[name].fitted_on["min_lift"] = floor
    return cals


def test_the_shipped_file_has_no_floor() -> None:
    cals = load_calibrators()
    assert all(min_lift(cals[name]) == 0.0 for name in TERMS)


def test_a_lift_under_the_floor_is_no_raise_and_one_over_it_counts_whole() -> None:
    """Fails without ``min_lift``: seed 84's clean ReLU CNN keeps its 1.7-logit frame lift."""
    today = calibrate(_verdict("relu_cnn-00"), load_calibrators())
    assert abs(today.features["raise_logit_frame"] - 1.7) < 0.01
    floored = calibrate(_verdict("relu_cnn-00"), _with_floor(2.0))
    assert "raise_logit" not in floored.features
    assert abs(floored.probability - today.features["probability_unraised"]) < 1e-9
    under = calibrate(_verdict("relu_cnn-00"), _with_floor(1.5))
    assert abs(under.probability - today.probability) < 1e-12  # 1.7 > 1.5: the whole lift
    big = calibrate(_verdict("relu_cnn-01"), _with_floor(2.0))  # backdoored, lifts 5.9-11.2
    assert big.features["raise_logit"] == calibrate(_verdict("relu_cnn-01"),
                                                    load_calibrators()).features["raise_logit"]


def test_with_aside_gives_none_where_no_model_is_left(load_benchmark) -> None:
    """Fails on stop 56's code: figures of no model raised sklearn's "0 samples"."""
    aside = load_benchmark("mmbd_aside")
    with gzip.open(S56A / "detect84_runs.jsonl.gz", "rt") as f:
        run = next(r for r in map(json.loads, f) if r["name"] == "sigmoid_cnn-00")
    one = [{**run, "seed": "84", "arch_family": "sigmoid_cnn", "trigger_family": None}]
    fig = aside.with_aside(one, load_calibrators(), ["s84:sigmoid_cnn-00"])
    assert fig["models"] == 1 and fig[aside.ASIDE] is None
    assert not aside.fails_only_on_mmbd(fig)


def test_the_rule_check_drops_a_family_with_nothing_left(load_benchmark) -> None:
    rule = load_benchmark("rule_s55b_check")
    f = {"roc_auc": None, "cross_entropy": 0.4, "mmbd_clean": ["x"], "without_mmbd_clean": None}
    g = {"roc_auc": 1.0, "cross_entropy": 0.1}
    fams = {"script: a": {"kind": "script", "today": f, "V": f},
            "script: b": {"kind": "script", "today": g, "V": g}}
    assert list(rule.aside_view(fams)) == ["script: b"]


def test_rule_print_writes_the_per_seed_figures_and_the_verdict(load_benchmark, tmp_path,
                                                                capsys) -> None:
    rp = load_benchmark("rule_print")
    rows = [{"seed": 2, "key": "a"}, {"seed": 1, "key": "b"}]
    fig = {"groups": {"all": {"roc_auc": 1.0, "cross_entropy": 0.1}},
           "worst": {"auc_family": "f", "roc_auc": 1.0, "ce_family": "f", "cross_entropy": 0.1},
           "missing": [], "clean_flagged": [], "backdoored_flagged": 1, "n_backdoored": 1,
           "target_right": 1}
    result = {"today": fig, "candidate": fig, "per_seed": {}, "moved": [{"key": "a"}],
              "points": [{"point": "(a) x", "holds": False, "figures": "1 vs 2"}], "met": False}
    seen = []

    def per_seed(mine: list[dict]) -> tuple[dict, dict]:
        seen.append([r["key"] for r in mine])
        return fig, fig

    rp.report_rule("2 runs", rows, result, per_seed, tmp_path / "r.json", name="M")
    out = capsys.readouterr().out.splitlines()
    assert seen == [["b"], ["a"]]  # seeds in order
    assert out[0] == "2 runs" and out[2].startswith("M (pooled): all 1.0000 / 0.1000")
    assert out[3].startswith("  seed 1 today") and out[6].startswith("  seed 2 M")
    assert out[-2:] == ["FAILS: (a) x: 1 vs 2", "rule not met"]
    assert json.loads((tmp_path / "r.json").read_text())["per_seed"].keys() == {"1", "2"}


def test_a_bad_min_lift_is_refused_when_the_file_is_read(tmp_path) -> None:
    shipped = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    for key, value in (("auto:raise:frame", -1.0), ("auto:raise", "2"), ("auto", 2.0)):
        data = copy.deepcopy(shipped)
        data[key]["fitted_on"]["min_lift"] = value
        path = tmp_path / "cal.json"
        path.write_text(json.dumps(data))
        with pytest.raises(UserInputError, match="min_lift"):
            load_calibrators(path)


def test_cal_m_is_the_shipped_file_with_the_floor_on_the_three_terms_only() -> None:
    shipped = shipped_without_later()
    cand = json.loads((ROOT / "benchmarks/data/foreign_s57/cal_M.json").read_text())
    assert set(cand) == set(shipped)
    for key in shipped:
        fo = {k: v for k, v in cand[key]["fitted_on"].items()
              if k not in ("min_lift", "min_lift_design")}
        assert {**cand[key], "fitted_on": fo} == shipped[key], key
        assert ("min_lift" in cand[key]["fitted_on"]) == (key in TERMS)
    assert all(cand[k]["fitted_on"]["min_lift"] == 2.0 for k in TERMS)
