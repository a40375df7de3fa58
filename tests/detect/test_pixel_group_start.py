"""Issue 9, stop 49: the empty-pixel raise term (``auto:raise``) started per activation × kind
group (``benchmarks/pixel_group_loso.py``) and its candidate file ``cal_HP11.json``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import torch

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, gate_shift, gated_off, load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49 (the candidates' base)
HP11 = DATA / "foreign_s49" / "cal_HP11.json"
H10 = DATA / "foreign_s48" / "cal_H10.json"
PIXEL = "auto:raise"


def _verdict(name: str) -> ModelVerdict:
    """Seed 68's recorded run of model ``name`` (stop 48), as calibration reads it."""
    with gzip.open(DATA / "foreign_s48" / "detect68_runs.jsonl.gz", "rt") as f:
        report = next(r for r in map(json.loads, f) if r["name"] == name)["report"]
    return ModelVerdict(report["method"], report["statistic"], list(report["ranking"]), [],
                        features=dict(report["features"]), traits=list(report["traits"]),
                        data_free=bool(report["data_free"]))


def _row(gap: float, act: str, conv: bool, bd: bool = False) -> dict:
    traits = [f"activation:{act}"] + (["layer:conv"] if conv else [])
    return {"backdoored": bd, "report": {"traits": traits, "features": {
        "empty_share_gap": gap, "first_layer_dense": 0.0 if conv else 1.0}}}


def test_fit_pixel_starts_per_activation_and_kind(load_benchmark) -> None:
    mod = load_benchmark("pixel_group_loso")
    term = load_calibrators(STOP49)[PIXEL]
    rows = [_row(0.4 + i / 100, "tanh", False) for i in range(5)] + [_row(0.9, "tanh", False, True)]
    rows += [_row(0.3, "sigmoid", True)] * 5 + [_row(0.05, "elu", True)] * 5
    rows += [_row(0.9, "relu", True)] * 6 + [_row(0.5, "gelu", True)] * 4
    starts = mod.fit_pixel_starts(term, rows)
    # dense: the gap counts less start_dense - start (0.1); the backdoored run is not read
    assert starts["activation:tanh@dense"]["start"] == pytest.approx(0.44 - 0.1 + 0.05)
    assert starts["activation:tanh@dense"]["clean"] == 5
    assert starts["activation:sigmoid@conv"]["start"] == pytest.approx(0.35)
    assert starts["activation:elu@conv"]["start"] == pytest.approx(0.2)  # never below the start
    assert starts["activation:relu@conv"]["start"] is None  # the term's own group
    assert starts["activation:gelu@conv"]["start"] is None  # 4 clean < MIN_COVERED


def test_the_pixel_record_gates_nothing_off(load_benchmark) -> None:
    mod = load_benchmark("pixel_group_loso")
    cals = load_calibrators(STOP49)
    starts = mod.fit_pixel_starts(cals[PIXEL], [_row(0.3, "sigmoid", True)] * 5)
    term = mod.with_pixel(cals, starts)[PIXEL]
    for act in ("elu", "gelu", "sigmoid", "silu", "tanh", "relu", "leaky_relu"):
        for traits in ([f"activation:{act}"], [f"activation:{act}", "layer:conv"]):
            assert gated_off(term, traits) == []
    assert gate_shift(term, ["activation:sigmoid", "layer:conv"]) == pytest.approx(-60 * 0.15)
    assert gate_shift(term, ["activation:sigmoid"]) == 0.0  # dense: the plain key, today's start
    assert gate_shift(term, ["activation:gelu", "layer:conv"]) == 0.0


def test_the_candidate_file_differs_from_the_shipped_one_only_as_meant() -> None:
    shipped, cand = json.loads(STOP49.read_text()), json.loads(HP11.read_text())
    h10 = json.loads(H10.read_text())
    assert set(cand) == set(shipped)
    assert {k for k in shipped if shipped[k] != cand[k]} == {
        "auto:out-of-coverage", "auto:raise:frame", PIXEL}
    assert cand["text-inversion:raise:unk"] == shipped["text-inversion:raise:unk"]
    fitted = cand[PIXEL]["fitted_on"]
    assert fitted["gate"] == ["activation:"]
    assert "activation:relu@conv" not in fitted["gate_start"]
    assert {k: v for k, v in fitted.items() if not k.startswith("gate")} == (
        shipped[PIXEL]["fitted_on"])
    assert {k: v for k, v in cand[PIXEL].items() if k != "fitted_on"} == (
        {k: v for k, v in shipped[PIXEL].items() if k != "fitted_on"})
    assert cand["auto:raise:frame"]["fitted_on"]["gate"] == h10["auto:raise:frame"]["fitted_on"][
        "gate"]
    wider = cand["auto:out-of-coverage"]["fitted_on"]
    assert wider["zoo"] == [f"foreign seed {s}" for s in (50, 51, 60, 61, 62, 63, 64, 65, 66, 67,
                                                          68)]


def test_seed68s_clean_sigmoid_and_tanh_cnns_are_lifted_less_by_hp11() -> None:
    # both clean flags of seed 68 came from the empty-pixel term; HP11's starts (fitted with
    # seed 68 in) lift them less than the shipped file does
    for name in ("sigmoid_cnn-00", "lenet_tanh_avg-02"):
        v_s, v_c = _verdict(name), _verdict(name)
        calibrate(v_s, load_calibrators(STOP49))
        calibrate(v_c, load_calibrators(HP11))
        assert v_s.probability is not None and v_c.probability is not None
        assert v_c.probability < v_s.probability
        assert v_c.features.get("raise_logit", 0.0) < v_s.features["raise_logit"]


def test_a_relu_cnn_keeps_todays_pixel_term() -> None:
    shipped, cand = load_calibrators(STOP49)[PIXEL], load_calibrators(HP11)[PIXEL]
    traits = ["activation:relu", "layer:conv", "pool:max"]
    assert gated_off(cand, traits) == [] and gate_shift(cand, traits) == 0.0
    feats = {"empty_share_gap": 0.35, "first_layer_dense": 0.0}
    assert cand.logit(feats) == shipped.logit(feats)
