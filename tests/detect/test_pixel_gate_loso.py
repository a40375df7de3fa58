"""Issue 9, stop 46: the empty-pixel raise term gated by its coverage (``fitted_on.gate`` on
``auto:raise``) and the candidate files of ``benchmarks/pixel_gate_loso.py``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import torch

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49 (the candidates' base)
S46 = DATA / "foreign_s46"


def _verdict(name: str) -> ModelVerdict:
    """Seed 65's recorded run of model ``name`` (stop 45), as calibration reads it."""
    with gzip.open(DATA / "foreign_s45b" / "detect65_runs.jsonl.gz", "rt") as f:
        report = next(r for r in map(json.loads, f) if r["name"] == name)["report"]
    return ModelVerdict(report["method"], report["statistic"], list(report["ranking"]), [],
                        features=dict(report["features"]), traits=list(report["traits"]),
                        data_free=bool(report["data_free"]))


def test_with_gate_sets_only_the_pixel_terms_gate(load_benchmark) -> None:
    mod = load_benchmark("pixel_gate_loso")
    cals = load_calibrators(STOP49)
    gated = mod.with_gate(cals, ["activation:", "pool:"])
    assert gated[mod.PIXEL].fitted_on["gate"] == ["activation:", "pool:"]
    assert "gate" not in cals[mod.PIXEL].fitted_on  # the original is not touched
    assert {k: v for k, v in gated.items() if k != mod.PIXEL} == {
        k: v for k, v in cals.items() if k != mod.PIXEL}


def test_candidate_files_differ_from_the_shipped_one_only_as_meant() -> None:
    shipped = json.loads(STOP49.read_text())
    for name, meant in (("cal_GK8.json", {"auto:out-of-coverage", "auto:raise:frame"}),
                        ("cal_GK8_Epool.json",
                         {"auto:out-of-coverage", "auto:raise:frame", "auto:raise"})):
        cand = json.loads((S46 / name).read_text())
        assert set(cand) == set(shipped)
        assert {k for k in shipped if shipped[k] != cand[k]} == meant, name
        load_calibrators(S46 / name)  # read without refusal (gates well formed)
        wider = cand["auto:out-of-coverage"]["fitted_on"]
        assert wider["zoo"] == [f"foreign seed {s}" for s in (50, 51, 60, 61, 62, 63, 64, 65)]
    epool = json.loads((S46 / "cal_GK8_Epool.json").read_text())["auto:raise"]
    assert epool["fitted_on"]["gate"] == ["activation:", "pool:"]
    assert {k: v for k, v in epool["fitted_on"].items() if k != "gate"} == (
        shipped["auto:raise"]["fitted_on"])


def test_the_pool_gate_switches_the_empty_pixel_term_off_on_a_strided_cnn() -> None:
    # seed 65's clean LeakyReLU strided CNN: lifted by auto:raise alone under G+K (p 0.98);
    # the pool gate (pool:none not in the term's coverage) leaves it unraised, with a note
    v_gk, v_e = _verdict("leaky_strided_cnn-00"), _verdict("leaky_strided_cnn-00")
    calibrate(v_gk, load_calibrators(S46 / "cal_GK8.json"))
    calibrate(v_e, load_calibrators(S46 / "cal_GK8_Epool.json"))
    assert v_gk.probability is not None and v_e.probability is not None
    assert v_gk.probability > 0.9
    assert v_e.probability < 0.5
    assert "raise_logit" not in v_e.features
    assert any("'auto:raise' not applied" in n and "pool" in n
               for n in v_e.coverage_notes)


def test_print_summary_pads_the_tag_and_prints_every_figure(load_benchmark, capsys) -> None:
    mod = load_benchmark("pixel_gate_loso")
    row = {"mean_ce": 0.12345, "min_auc": 0.98765, "max_worst_script_ce": 0.25,
           "max_worst_trigger_ce": 0.5, "clean_flagged": 2, "target_right_flagged": 7,
           "backdoored": 9}
    mod.print_summary({"GK_loso": row, "shipped": {**row, "clean_flagged": 0}}, 10)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "GK_loso    mean CE 0.123; min AUC 0.988; max worst script-family CE 0.250; max worst "
        "trigger CE 0.500; clean flagged 2; right-target flagged 7/9",
        "shipped    mean CE 0.123; min AUC 0.988; max worst script-family CE 0.250; max worst "
        "trigger CE 0.500; clean flagged 0; right-target flagged 7/9",
    ]
