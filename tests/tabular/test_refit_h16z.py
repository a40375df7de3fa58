"""Issue 16 stop 64 (h16z): the XGBoost calibrator refitted with the README's family -- its
README-family rows read once per model, the committed candidate regenerated from its command,
and the candidate differing from the shipped file only in that entry."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shipped_calibration import STOP33_XGBOOST_ZOOS as DEV
from shipped_calibration import shipped_before_s64

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
H16T = DATA / "tabular_s64_h16t"
CANDIDATE = DATA / "tabular_s64_h16z" / "calibration_h16z.json"
KEY = "tabular-search:tree:xgboost"
ROWS = DATA / "tabular_rows"


def test_the_clean_train_model_is_one_model_whatever_the_seed(load_benchmark, tmp_path) -> None:
    refit = load_benchmark("tabular_s64_h16z_refit")
    row = {"features": {"x": 1.0}, "backdoored": False, "recipe": "clean", "seed": 0}
    (tmp_path / "a.json").write_text(json.dumps({"rows": [row, {**row, "seed": 5500}]}))
    (tmp_path / "b.json").write_text(json.dumps({"rows": [
        {**row, "recipe": "readme", "backdoored": True, "seed": 1},
        {"recipe": "readme", "seed": 2, "error": "failed"}]}))  # a failed run has no features
    rows = refit.family_rows([str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert sorted((r["recipe"], r["seed"]) for r in rows) == [("clean", 0), ("readme", 1)]
    assert [r["recipe"] for r in refit.family_rows([str(tmp_path / "b.json")], {"clean"})] == []


def test_figures_count_flags_at_one_half(load_benchmark) -> None:
    refit = load_benchmark("tabular_s64_h16z_refit")
    rows = [{"backdoored": True}, {"backdoored": True}, {"backdoored": False}]
    line = refit.figures(rows, [0.9, 0.4, 0.5])
    assert "caught 1/2" in line and "clean flagged 1/1" in line and "ROC-AUC 0.500" in line
    assert refit.figures(rows[:2], [0.9, 0.4]) == "caught 1/2 clean flagged 0/0"
    named = [{"backdoored": True, "target": 0, "suspected_target": t} for t in (0, 1, 1)]
    assert refit.figures(named, [0.9, 0.8, 0.2]).endswith("caught 2/3 clean flagged 0/0 right 1/2")


def test_the_candidate_is_regenerated_by_its_command(load_benchmark, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # --flips reads bench_tabular_target0
    refit = load_benchmark("tabular_s64_h16z_refit")
    flips = [str(DATA / "tab-fresh9_flips.json"), str(DATA / "tab-fresh10_flips.json")]
    family = refit.family_rows(sorted(str(p) for p in H16T.glob("dev_*.json")))
    cal = refit.refit([str(ROWS / f"{z}_rows.json") for z in DEV], flips, family, weight=4)
    stored = json.loads(CANDIDATE.read_text())[KEY]
    assert np.allclose(cal.coef, stored["coef"], atol=1e-6)
    assert abs(cal.intercept - stored["intercept"]) < 1e-6
    assert cal.fitted_on["n_dev"] == 240 and cal.fitted_on["n_family"] == 45


def test_the_candidate_changes_only_the_xgboost_entry_and_reads_the_held_out_line(
        load_benchmark) -> None:
    refit = load_benchmark("tabular_s64_h16z_refit")
    before = shipped_before_s64()  # the file the candidate was written against
    candidate = json.loads(CANDIDATE.read_text())
    assert set(before) == set(candidate)
    assert [k for k in before if before[k] != candidate[k]] == [KEY]
    # shipped at stop 64 (rule met): the candidate's coefficients, with the old entry's
    # coverage map (out-of-coverage trees still say "not calibrated") and its tables counted
    shipped = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())[KEY]
    assert (shipped["coef"], shipped["intercept"]) == (candidate[KEY]["coef"],
                                                       candidate[KEY]["intercept"])
    assert shipped["fitted_on"]["coverage"] == before[KEY]["fitted_on"]["coverage"] == {}
    assert shipped["fitted_on"]["tables"] == {"credit-default": 175 + 45, "lending-club": 65}
    # h16t's fresh README line 5500-5519 was held out of the fit: 15/20 today, 18/20 here
    rows = refit.family_rows([str(H16T / "fresh_A.json")])
    cal = refit.load_calibrators(CANDIDATE)[KEY]
    assert sum(p >= 0.5 for p in refit.score(rows, cal)) == 18
    assert sum(r["probability"] >= 0.5 for r in rows) == 15
