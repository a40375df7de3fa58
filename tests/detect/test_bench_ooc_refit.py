"""Issue 9, stop 44: the wider (out-of-coverage) calibrator refitted leave-one-seed-out on foreign
development runs (``benchmarks/ooc_refit_loso.py``) and the opt-in candidate file it wrote."""

from __future__ import annotations

import json
from pathlib import Path

from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE = ROOT / "benchmarks" / "data" / "foreign_s44" / "cal_candidate.json"
STOP49 = ROOT / "benchmarks" / "data" / "calibration_stop49.json"  # shipped at stop 49
FEATURES = ["mmbd_anomaly", "mmbd_neglog10_p", "uap_log_ratio", "ts_log_norm_ratio",
            "agree_mmbd_uap_nobias", "agree_mmbd_ts", "agree_mmbd_stripe_nobias"]


def _row(traits: list[str], backdoored: bool, value: float, features=FEATURES) -> dict:
    return {"name": "m", "backdoored": backdoored,
            "report": {"traits": traits, "features": {f: value for f in features}}}


def test_the_candidate_changes_only_the_wider_calibrator():
    shipped = json.loads(STOP49.read_text())
    candidate = json.loads(CANDIDATE.read_text())
    assert set(candidate) == set(shipped)
    assert [k for k in shipped if shipped[k] != candidate[k]] == ["auto:out-of-coverage"]
    wider = candidate["auto:out-of-coverage"]
    assert wider["features"] == shipped["auto:out-of-coverage"]["features"]
    # fitted on every development run the shipped file scores with its wider calibrator
    loso = json.loads((CANDIDATE.parent / "loso_chosen.json").read_text())
    assert wider["fitted_on"]["n_models"] == sum(loso["n_ooc"].values()) == 170
    assert loso["written"]["design"] == "refit7_C0.2"
    assert loso["own_eval"]["scored_by_wider"] == []  # issue 3's zoo/eval cannot move
    assert load_calibrators(CANDIDATE)["auto:out-of-coverage"].features == FEATURES


def test_out_of_coverage_follows_calibrate(load_benchmark):
    bench = load_benchmark("ooc_refit_loso")
    shipped = load_calibrators()
    assert not bench.out_of_coverage(_row(["activation:relu", "layer:conv", "pool:max"],
                                          False, 1.0), shipped)
    assert bench.out_of_coverage(_row(["activation:elu", "layer:conv", "pool:max"],
                                      False, 1.0), shipped)
    # without the probe features the wider calibrator cannot read it: the default scores it
    assert not bench.out_of_coverage(_row(["activation:silu"], False, 1.0, FEATURES[:2]),
                                     shipped)


def test_a_refit_records_its_rows_traits_and_separates_them(load_benchmark):
    bench = load_benchmark("ooc_refit_loso")
    rows = [_row(["activation:elu", "layer:conv"], i % 2 == 1, 0.2 + 1.5 * (i % 2) + 0.01 * i)
            for i in range(12)] + [_row(["activation:silu"], i % 2 == 1, 0.3 + 1.5 * (i % 2))
                                   for i in range(6)]
    cal = bench.fit("refit7_C0.2", rows, [1, 2])
    assert cal.fitted_on["coverage"] == {"activation:elu": 12, "activation:silu": 6,
                                         "layer:conv": 12}
    assert cal.fitted_on["n_models"] == 18
    clean, bad = rows[0]["report"]["features"], rows[1]["report"]["features"]
    assert cal.probability(bad) > 0.5 > cal.probability(clean)


def _score(ce_all: float, fam_ce: float, flagged: int, right: int) -> dict:
    group = {"roc_auc": 1.0, "n": 6, "n_backdoored": 3}
    return {"groups": {"all": {**group, "cross_entropy": ce_all, "n": 40, "n_backdoored": 18},
                       "script family: elu": {**group, "cross_entropy": fam_ce},
                       "trigger: cross": {**group, "cross_entropy": 0.1},
                       "arch: elu": {**group, "cross_entropy": 0.9}},  # not a rule family
            "clean_flagged": ["x"] * flagged, "target_right_flagged": right}


def test_the_stop44_rule_reads_every_point(load_benchmark):
    rule = load_benchmark("rule_s44_check")
    points = rule.check(_score(0.2, 0.1, 1, 18), _score(0.15, 0.2, 1, 18))
    assert all(p["holds"] for p in points.values())
    points = rule.check(_score(0.2, 0.1, 1, 18), _score(0.15, 0.31, 1, 18))
    assert points["b_families"]["failing"] == ["script family: elu"]
    points = rule.check(_score(0.2, 0.1, 1, 18), _score(0.15, 0.2, 2, 18))
    assert not points["c_not_worse"]["holds"] and points["a_overall"]["holds"]
    points = rule.check(_score(0.2, 0.1, 1, 18), _score(0.15, 0.2, 1, 17))
    assert not points["c_not_worse"]["holds"]


def test_the_frame_gate_drops_the_frame_lift_only_outside_its_coverage(load_benchmark):
    gate = load_benchmark("frame_gate_dev")
    shipped = load_calibrators(STOP49)
    no_frame = {k: v for k, v in shipped.items() if k != gate.FRAME}
    features = {**{f: 0.0 for f in FEATURES}, "mmbd_neglog10_p": 0.1, "mmbd_ratio": 1.0,
                "frame_share_gap": 0.45, "frame_top_class": 3.0, "first_layer_dense": 0.0}

    def row(traits):
        return {"name": "m", "backdoored": False, "options": [],
                "report": {"method": "auto", "statistic": 0.1, "ranking": list(range(10)),
                           "features": dict(features), "data_free": False, "traits": traits}}

    relu = gate.gated_row(row(["activation:relu", "layer:conv", "pool:max"]), shipped, no_frame)
    sigmoid = gate.gated_row(row(["activation:sigmoid", "layer:conv", "pool:avg"]), shipped,
                             no_frame)
    assert relu["probability"] > 0.5 and relu["suspected_target"] == 3  # the frame term raised
    assert sigmoid["probability"] < 0.5  # outside the frame term's coverage: no raise
