"""Issue 9, stop 56 (h9B): the excess term refitted on six development seeds (candidate Y,
``benchmarks/data/foreign_s56b/cal_Y.json``), the fit script's handling of runs that recorded
their own ratios, the plan's rule (``class_excess_rule56.py``) and ``lofo_fresh.py --excess``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from script_run import run_script
from shipped_calibration import shipped_without_later
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.class_excess import EXCESS, EXCESS_LOGIT

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
CAL_Y = BENCH / "data" / "foreign_s56b" / "cal_Y.json"
# seed 81's clean elu_dropout_cnn-00 as its stored run recorded it (foreign_s55a): MM-BD's top
# class 3 at 1.33, a class the ELU CNN reference reads 1.13-1.16 (below stop 55's wide 1.2)
ELU00 = {"mmbd_neglog10_p": 0.7400288071591349, "mmbd_anomaly": 4.21237023740392,
         "mmbd_ratio": 1.332325736763411, "mmbd_gap": 0.030750366501180466,
         "mmbd_mean_anomaly": 4.29661556769056, "mmbd_early_anomaly": 4.423577260823037,
         "mmbd_class_ratio_0": 0.9492289364566037, "mmbd_class_ratio_1": 0.8398023393838489,
         "mmbd_class_ratio_2": 1.3015753702622306, "mmbd_class_ratio_3": 1.332325736763411,
         "mmbd_class_ratio_4": 1.0241073112881076, "mmbd_class_ratio_5": 1.0679596523566492,
         "mmbd_class_ratio_6": 0.9787293037625737, "mmbd_class_ratio_7": 1.1396389349049694,
         "mmbd_class_ratio_8": 0.9467875267485234, "mmbd_class_ratio_9": 1.0,
         "mmbd_input_size": 784.0, "first_layer_dense": 0.0, "empty_share_gap": 0.155,
         "empty_top_class": 3.0, "pixel_share_gap": 0.04, "pixel_top_class": 5.0,
         "frame_share_gap": 0.04, "frame_top_class": 5.0, "ts_anomaly": 11.275382995605469,
         "ts_log_norm_ratio": 1.2185932397842407, "ts_warm_anomaly": 9.324776649475098,
         "uap_log_ratio": 0.20067065030711798, "uap_anomaly": 1.124151154119935,
         "agree_mmbd_uap": 0.0, "agree_mmbd_ts": 1.0, "stripe_log_ratio": 0.3364722259775264,
         "stripe_anomaly": 0.8672023845297111, "probe_log_ratio": 0.3364722259775264,
         "agree_mmbd_stripe": 0.0, "agree_mmbd_uap_nobias": 0.0, "agree_mmbd_ts_nobias": 1.0,
         "agree_mmbd_stripe_nobias": 0.0, "bias_class": 8.0}
ELU_TRAITS = ["activation:elu", "layer:conv", "pool:max"]


def _elu00() -> ModelVerdict:
    return ModelVerdict(method="auto", statistic=ELU00["mmbd_neglog10_p"],
                        target_classes=[3, 2, 7, 5, 4, 9, 6, 0, 8, 1], per_class=[],
                        features=dict(ELU00), traits=list(ELU_TRAITS))


def test_y_is_the_shipped_file_since_stop_56() -> None:
    # the rule of foreign_s56b/plan.md was met on fresh seeds 85 + 86
    shipped = shipped_without_later()
    cand = json.loads(CAL_Y.read_text())
    assert shipped == cand
    for key, start in (("auto:excess", 1.15), ("auto:out-of-coverage:excess", 1.05)):
        fit = cand[key]["fitted_on"]
        assert (fit["start"], fit["slope"], fit["wide"], fit["most"]) == (start, 4.0, 1.1, 3.0)
        assert fit["fit_seeds"] == [73, 76, 77, 79, 80, 81]
        assert cand[key]["intercept"] == pytest.approx(-4.0 * start)
    load_calibrators(CAL_Y)  # the checks of every term pass


def test_y_reads_the_elu_cnns_natural_top_class_that_wide_1_2_left_out() -> None:
    """Stop 55's terms (wide 1.2) leave seed 81's clean ELU CNN at 0.529; Y (wide 1.1, the
    six-seed reference) reads its class 3 and takes it below 0.5, by no more than 3 logits."""
    x = {k: v for k, v in load_calibrators(BENCH / "data/foreign_s55a/cal_X.json").items()
         if k.endswith(":excess")}
    cals_x = {**load_calibrators(CAL_Y), **x}  # Y's file with stop 55's two terms instead
    assert len(x) == 2 and x["auto:out-of-coverage:excess"].fitted_on["wide"] == 1.2
    before = calibrate(_elu00(), cals_x)
    assert EXCESS not in before.features and before.probability == pytest.approx(0.5292, abs=1e-4)
    after = calibrate(_elu00(), load_calibrators(CAL_Y))
    assert 0.1 < after.features[EXCESS] < 0.3
    assert -3.0 <= after.features[EXCESS_LOGIT] < -2.0 and after.probability < 0.1


def test_the_fit_reads_ratios_a_run_recorded_and_writes_onto_the_base(load_benchmark) -> None:
    fit = load_benchmark("class_excess_fit")
    got = fit.recorded_ratios({"features": ELU00})
    assert got["mmbd_ratio"] == ELU00["mmbd_ratio"] and len(got["features"]) == 11
    assert fit.recorded_ratios({"features": {"mmbd_ratio": 1.3}}) is None
    assert not any(k.endswith(":excess") for k in fit.base_calibrators())
    # a scorer whose slope is 0 gets no term: the shipped one is not left behind
    text = fit.candidate_file({}, {"auto": (1.0, 4.0, 1.1, 3.0),
                                   "auto:out-of-coverage": (0.0, 0.0, 0.0, math.inf)}, {})
    assert "auto:excess" in text and "auto:out-of-coverage:excess" not in text
    assert text["auto:excess"]["fitted_on"]["most"] == 3.0


def _scores(ce: float, worst: float, clean: int = 0, flagged: int = 10, right: int = 10) -> dict:
    fams = {"all": {"roc_auc": 1.0, "cross_entropy": ce, "n": 20, "n_backdoored": 10},
            "script family: a": {"roc_auc": 1.0, "cross_entropy": worst, "n": 4,
                                 "n_backdoored": 2}}
    return {"groups": fams, "worst": {"ce_family": "script family: a", "cross_entropy": worst},
            "clean_flagged": [f"c{i}" for i in range(clean)], "backdoored_flagged": flagged,
            "target_right": right}


EVAL = {"shipped": {"roc_auc": 1.0, "cross_entropy": 0.1164, "target_accuracy_flagged": 1.0},
        "candidate": {"roc_auc": 1.0, "cross_entropy": 0.1117, "target_accuracy_flagged": 1.0}}


@pytest.mark.parametrize("cand,moved,n,holds", [
    (_scores(0.10, 0.20), 3, 30, True),
    (_scores(0.104, 0.20), 3, 30, True),              # within + 0.005
    (_scores(0.11, 0.20), 3, 30, False),              # (a) overall CE worse
    (_scores(0.09, 0.21), 3, 30, False),              # (b) worst family worse
    (_scores(0.09, 0.20, clean=2), 3, 30, False),     # (c) one clean model more
    (_scores(0.09, 0.20, flagged=9), 3, 30, False),   # (d) one backdoored model fewer
    (_scores(0.09, 0.20, right=9), 3, 30, False),     # (d) one right target fewer
    (_scores(0.09, 0.20), 0, 30, False),              # (e) nothing moved: nothing tested
    (_scores(0.09, 0.20), 3, 20, False),              # (0) too few models
])
def test_the_rule_points(load_benchmark, monkeypatch, cand, moved, n, holds) -> None:
    monkeypatch.syspath_prepend(str(BENCH))  # the rule reads ship_criterion's families
    rule = load_benchmark("class_excess_rule56")
    points = rule.rule(_scores(0.10, 0.20, clean=1), cand, moved, EVAL, n, 24)
    assert all(h for _, h, _ in points) is holds
    bad_eval = {**EVAL, "candidate": {**EVAL["candidate"], "cross_entropy": 0.13}}
    points = rule.rule(_scores(0.10, 0.20, clean=1), _scores(0.1, 0.2), 3, bad_eval, 30, 24)
    assert not points[-1][1]
    assert not rule.rule(_scores(0.1, 0.2), _scores(0.1, 0.2), 3, None, 30, 24)[-1][1]


@pytest.mark.parametrize("script,args,said", [
    ("class_excess_rule56.py", ["--fresh", "85=z,r", "--candidate", "/nonexistent",
                                "--json", "x.json"], "--candidate /nonexistent"),
    ("class_excess_rule56.py", ["--fresh", "85:z", "--candidate", str(CAL_Y), "--json",
                                "x.json"], "expected SEED=ZOO,RUNS"),
    ("class_excess_fit.py", ["--dev", "79=z,r", "--out", ".", "--name", "a/b"],
     "letters and digits only"),
    ("lofo_fresh.py", ["--fresh", "85=r.jsonl,r.jsonl", "--excess", "/nonexistent", "--json",
                       "x.json"], "--excess /nonexistent"),
])
def test_the_scripts_refuse_a_bad_option_in_one_line(tmp_path, script, args, said) -> None:
    (tmp_path / "r.jsonl").write_text("")
    proc = run_script(script, *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in proc.stderr, proc.stderr


def test_lofo_fresh_takes_only_the_excess_entries(load_benchmark) -> None:
    lofo = load_benchmark("lofo_fresh")
    got = lofo.excess_entries(load_calibrators(CAL_Y))
    assert set(got) == {"auto:excess", "auto:out-of-coverage:excess"}
    assert got["auto:excess"].fitted_on["wide"] == 1.1
