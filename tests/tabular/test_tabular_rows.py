"""Committed ``zoo eval`` rows of the tabular calibrators (``benchmarks/data/tabular_rows``):
small, readable without their zoos (which are not committed), and they reproduce the
shipped calibrators."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from shipped_calibration import shipped_before_s60
from trojanscope.detect.calibration import load_calibrators
from trojanscope.zoo import draw_entries, write_truth

ROOT = Path(__file__).resolve().parents[2]
ROWS = ROOT / "benchmarks/data/tabular_rows"
# step 6's tree calibration rows (docs/benchmarks.md, issue 16 step 6)
TREE_ROWS = ["tab-cal-lc_rows.json", "ref_tab-cal-trees.json", "ref_tab-cal2-trees.json",
             "ref_tab-cal3-trees.json", "ref_tab-eval-trees.json", "ref_tab-fresh-trees.json",
             "ref_tab-fresh2-trees.json", "tab-fresh6_rows.json", "tab-fresh6-lc_rows.json"]
# step 8's rows with the tab_major_* features (docs/benchmarks.md, issue 16 step 8)
MAJOR_ROWS = ["tab-cal-lc_rows.json", "tab-fresh6_rows.json", "tab-fresh6-lc_rows.json",
              "tab-fresh7_rows.json", "tab-fresh7-lc_rows.json", "tab-fresh8_rows.json",
              "tab-fresh8-lc_rows.json"]
# stop 31c's development rows (every zoo with tab_major_*, tab-fresh9/10 now among them) and the
# flip-rate replays that label them (docs/benchmarks.md, issue 16 stop 31c)
DEV_ROWS = [*MAJOR_ROWS, "tab-fresh9_rows.json", "tab-fresh9-lc_rows.json",
            "tab-fresh10_rows.json", "tab-fresh10-lc_rows.json", "dev-cd_rows.json",
            "dev-cd2_rows.json", "dev-lc-trees_rows.json"]
FLIPS = [str(ROOT / "benchmarks/data" / f) for f in ("tab-fresh9_flips.json",
                                                     "tab-fresh10_flips.json")]
# stop 32c's development rows: stop 31c's and tab-fresh11 ... tab-fresh13 (+ -lc), with the
# features added since (tab_box_over, tab_major_box_over, tab_leaves: bench_tabular_floor.py)
STOP32C_ROWS = [*DEV_ROWS, "tab-fresh11_rows.json", "tab-fresh12_rows.json",
                "tab-fresh12-lc_rows.json", "tab-fresh13_rows.json", "tab-fresh13-lc_rows.json"]

# stop 33's development rows: stop 32c's with tab-fresh14 (+ -lc), and the features added by
# bench_tabular_floor.py --recur-only (tab_major_recur, tab_major_recur_lead)
STOP33_ROWS = [*STOP32C_ROWS, "tab-fresh14_rows.json", "tab-fresh14-lc_rows.json"]
# stop 33b's: stop 33's and tab-fresh15 (+ -lc)
STOP33B_ROWS = [*STOP33_ROWS, "tab-fresh15_rows.json", "tab-fresh15-lc_rows.json"]


def load_bench():
    script = ROOT / "benchmarks/bench_tabular_calibrate.py"
    spec = importlib.util.spec_from_file_location("bench_tabular_calibrate", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_tabular_calibrate", module)
    spec.loader.exec_module(module)
    return module


def test_committed_rows_are_small_and_packed() -> None:
    files = sorted(ROWS.glob("*.json"))
    assert len(files) >= 12
    for f in files:
        assert f.stat().st_size < 300_000, f.name
        payload = json.loads(f.read_text())
        assert payload["dataset"] in {"credit-default", "lending-club"}
        assert all(r["arch"] in {"mlp", "xgboost", "lightgbm"} for r in payload["rows"])


def test_packed_rows_read_without_their_zoo_and_fits_record_their_tables(tmp_path) -> None:
    bench = load_bench()
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    entries = draw_entries(3, 3, 2, 0, attacks=["tabular-badnets"], archs=["mlp"])
    write_truth(zoo, "credit-default", 0, entries)
    rows = [{"name": e.name, "backdoored": e.backdoored, "family": "network",
             "features": {"tab_excess": 0.4 + 0.3 * e.backdoored + 0.01 * i,
                          "tab_excess_gap": 0.05 + 0.2 * e.backdoored}}
            for i, e in enumerate(entries)]
    raw = tmp_path / "z_rows.json"
    raw.write_text(json.dumps({"zoo": str(zoo), "rows": rows}))
    bench.pack([str(raw)], str(tmp_path / "packed"))
    shutil.rmtree(zoo)  # the zoo is gone, as on another machine
    with pytest.raises(Exception):  # noqa: B017 - an unpacked file needs its zoo
        bench.load_rows([str(raw)])
    packed = str(tmp_path / "packed" / "z_rows.json")
    loaded = bench.load_rows([packed])
    assert [r["arch"] for r in loaded] == ["mlp"] * len(entries)
    assert {r["table"] for r in loaded} == {"credit-default"}
    out = tmp_path / "cal.json"
    bench.fit_designs([packed], ["network=excess + gap|log|1"], str(out))
    fitted = load_calibrators(out)["tabular-search:network"]
    assert fitted.features == ["tab_excess", "tab_excess_gap"]
    assert fitted.fitted_on["tables"] == {"credit-default": len(entries)}


def test_committed_rows_reproduce_the_shipped_tree_calibrators(tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # --flips reads bench_tabular_target0
    bench = load_bench()
    out = tmp_path / "cal.json"
    bench.fit_designs([str(ROWS / f) for f in TREE_ROWS],
                      ["tree=group + rel + box + score|log|10"], str(out))
    # stop 33: XGBoost with the bound recurrence's lead and the box above its floor, on every
    # development row (stop 32c's and tab-fresh14), inert backdoors left out
    bench.fit_designs([str(ROWS / f) for f in STOP33_ROWS],
                      ["tree:xgboost=group + rel + box + score + major_enrichment"
                       " + major_recur_lead + major_box_over|none|10"], str(out), FLIPS)
    # stop 33b: LightGBM with tab_major_box, tab_leaves and the bound recurrence's lead, on
    # every development row (stop 33's and tab-fresh15), inert backdoors left out
    bench.fit_designs([str(ROWS / f) for f in STOP33B_ROWS],
                      ["tree:lightgbm=mass + rel + major_group_rel + major_box + leaves"
                       " + major_recur_lead|log|10"], str(out), FLIPS)
    # the XGBoost entry as shipped from stop 33 to 63 (stop 64 refitted it with the README's
    # family: tests/tabular/test_refit_h16z.py)
    refit, shipped = load_calibrators(out), shipped_before_s60()
    for key in ("tabular-search:tree", "tabular-search:tree:xgboost",
                "tabular-search:tree:lightgbm"):
        assert refit[key].features == shipped[key].features
        assert refit[key].fitted_on["n_models"] == shipped[key].fitted_on["n_models"]
        assert refit[key].coef == pytest.approx(shipped[key].coef, rel=1e-3, abs=1e-4)
        assert refit[key].intercept == pytest.approx(shipped[key].intercept, rel=1e-3)


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_zoo_figures_from_committed_rows_without_the_zoo(capsys) -> None:
    """``bench_tabular_detect.py --zoo … --rows …`` on packed rows: the zoo path is only a
    name (the zoo is not on this machine); the figures are recomputed from the rows."""
    script = ROOT / "benchmarks/bench_tabular_detect.py"
    spec = importlib.util.spec_from_file_location("bench_tabular_detect", script)
    bench = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_tabular_detect", bench)
    spec.loader.exec_module(bench)
    rows = ROWS / "tab-fresh7-lc_rows.json"
    bench.families(["/nonexistent/tab-fresh7-lc"], [str(rows)])
    table = capsys.readouterr().out
    mlp = [line for line in table.splitlines() if line.startswith("| mlp | ")]
    assert mlp and mlp[0].startswith("| mlp | 8 (4) | 0.812 | 0.724 |")  # step 6's figures


def test_add_features_copies_new_features_and_refuses_another_model(tmp_path) -> None:
    """``--add-features``: a later run's new features go into the committed rows (their
    probability kept); a row whose shared features differ is refused, the file untouched."""
    bench = load_bench()
    packed = tmp_path / "packed.json"
    packed.write_text(json.dumps({"zoo": "z", "dataset": "credit-default", "rows": [
        {"name": "m", "probability": 0.3, "arch": "mlp",
         "features": {"tab_score": 0.5, "tab_score_ref": 0.2}}]}))
    new = tmp_path / "new.json"
    new.write_text(json.dumps({"rows": [{"name": "m", "probability": 0.9, "features": {
        "tab_score": 0.5, "tab_score_ref": 0.0, "tab_major_score": 0.7,
        "tab_box_ref": 0.0}}]}))
    bench.add_features(str(new), str(packed))
    row = json.loads(packed.read_text())["rows"][0]
    assert row["features"] == {"tab_score": 0.5, "tab_score_ref": 0.2, "tab_major_score": 0.7}
    assert row["probability"] == 0.3
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"rows": [{"name": "m", "features": {"tab_score": 0.6}}]}))
    before = packed.read_text()
    with pytest.raises(SystemExit, match="not the same model"):
        bench.add_features(str(other), str(packed))
    assert packed.read_text() == before


def load_target0():
    """``benchmarks/bench_tabular_target0.py`` (it imports ``bench_tabular_detect``, a
    sibling script, as running it from ``benchmarks/`` would)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        script = ROOT / "benchmarks/bench_tabular_target0.py"
        spec = importlib.util.spec_from_file_location("bench_tabular_target0", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        importlib.import_module("bench_tabular_detect")  # imported lazily by --rule
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_by_zoo_folds_pair_each_zoo_with_its_lc_twin_and_score_out_of_fold(capsys) -> None:
    """``--by-zoo`` (issue 16 stop 31): a zoo and its ``-lc`` twin are one fold, and every
    design is scored on folds its fit never saw (stop 31's LightGBM figures)."""
    bench = load_bench()
    assert bench.zoo_group("/tmp/h16/zoo/tab-fresh9-lc") == "tab-fresh9"
    assert bench.zoo_group("/tmp/h16/zoo/tab-fresh9") == "tab-fresh9"
    dev = ["tab-fresh9_rows.json", "tab-fresh9-lc_rows.json", "dev-cd_rows.json",
           "dev-cd2_rows.json", "dev-lc-trees_rows.json"]
    files = [str(ROWS / f) for f in [*MAJOR_ROWS, *dev]]
    bench.by_zoo(files, ["tree:lightgbm"], ["mass + rel + major_group_rel + major_box"])
    out = capsys.readouterr().out
    assert "folds: dev-cd, dev-cd2, dev-lc-trees, tab-cal, tab-fresh6, tab-fresh7" in out
    assert ("| mass + rel + major_group_rel + major_box | none | 10 | 0.372 / 0.890 | "
            "0.518 / 0.705 | 0.206 / 0.988 | 0.293 |") in out


def test_rule_figures_of_tab_fresh10_from_committed_rows(capsys) -> None:
    """``bench_tabular_target0.py --rule`` on the committed fresh rows gives stop 31's
    figures: main's calibrators as stored, the candidate by rescoring, and 5 inert
    backdoors (docs/benchmarks.md, issue 16 stop 31)."""
    bench = load_target0()
    rows = [str(ROWS / "tab-fresh10_rows.json"), str(ROWS / "tab-fresh10-lc_rows.json")]
    inert = str(ROOT / "benchmarks/data/tab-fresh10_inert.json")
    bench.rule_figures(rows, None, inert)
    main = capsys.readouterr().out
    assert "| all | 60 (30) | 0.856 / 0.443 | 22/30 | 1/30 | 0.240 | 19/22 |" in main
    assert "without the inert backdoors (5 inert)" in main
    assert "| all | 55 (25) | 0.940 / 0.262 | 21/25 | 1/30 | 0.240 | 19/21 |" in main
    candidate = str(ROOT / "benchmarks/data/calibration-step9-candidate.json")
    bench.rule_figures(rows, candidate, None)
    out = capsys.readouterr().out
    assert "| all | 60 (30) | 0.876 / 0.422 | 22/30 | 2/30 | 0.290 | 19/22 |" in out


def test_flip_rate_labelling_of_the_fresh_rows(capsys) -> None:
    """``--labels flip`` (issue 16 stop 31b): the backdoors the zoo's flip-rate rule would not
    count are the lending-club target-0 ones (flip rate NaN, or 1.0 of one row), left out of
    the figures and listed apart; every credit-default backdoor is counted."""
    bench = load_target0()
    flips = json.loads((ROOT / "benchmarks/data/tab-fresh9_flips.json").read_text())
    inert = [r for r in flips if r["backdoored"] and bench.flip_inert(r)]
    assert {(r["dataset"], r["target"]) for r in inert} == {("lending-club", 0)}
    assert all(r["n_flippable"] <= 1 for r in inert)  # what MIN_FLIPPABLE keeps out
    rows = [str(ROWS / "tab-fresh10_rows.json"), str(ROWS / "tab-fresh10-lc_rows.json")]
    data = ROOT / "benchmarks/data"  # the stored probabilities: the calibrators of stop 31b
    bench.rule_figures(rows, None, str(data / "tab-fresh10_flips.json"), "flip")
    out = capsys.readouterr().out
    assert "| all | 60 (30) | 0.856 / 0.443 | 22/30 | 1/30 | 0.240 | 19/22 |" in out
    assert "| all | 55 (25) | 0.940 / 0.262 | 21/25 | 1/30 | 0.240 | 19/21 |" in out
    assert "inert backdoors (flip), apart: p >= 0.5 for 1" in out
    assert "worst family by cross-entropy: credit-default lightgbm target 0" in out


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_by_zoo_under_the_new_labelling_scores_the_stop_31c_candidate(capsys, monkeypatch) -> None:
    """``--by-zoo --flips`` (issue 16 stop 31c): inert backdoors left out (the replayed zoos'
    by the flip-rate rule, the others' lending-club target 0), and each line carries the clean
    models flagged out of fold and the worst table x target."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    bench = load_bench()
    files = [str(ROWS / f) for f in DEV_ROWS]
    kept = bench.new_labelling(bench.load_rows(files), FLIPS)
    assert len(kept) == 376
    gone = {(r["zoo"], r["name"]) for r in bench.load_rows(files)} - {
        (r["zoo"], r["name"]) for r in kept}
    assert len(gone) == 30
    bench.by_zoo(files, ["tree:lightgbm"], ["mass + rel + major_group_rel + major_box"], FLIPS)
    out = capsys.readouterr().out
    assert ("| mass + rel + major_group_rel + major_box | log | 10 | 0.247 / 0.945 | "
            "0.361 / 0.775 |") in out
    assert "clean flagged 1; worst credit-default 0: 0.452 / 0.759, 6/14" in out


def test_rule_figures_of_tab_fresh11_from_committed_rows(capsys) -> None:
    """Stop 31c's shipping rule on the fresh zoo (seed 1970): the stored probabilities (the
    calibrators before this stop) against the shipped file (LightGBM + tab_major_box)."""
    bench = load_target0()
    rows = [str(ROWS / "tab-fresh11_rows.json")]
    bench.rule_figures(rows, None, None)
    before = capsys.readouterr().out
    assert "| all | 48 (32) | 0.855 / 0.455 | 24/32 | 3/16 | 0.379 | 24/24 |" in before
    # the file shipped by stop 31c (shipped until stop 32c)
    bench.rule_figures(rows, str(ROOT / "benchmarks/data/calibration-stop31c-candidate.json"),
                       None)
    after = capsys.readouterr().out
    assert "| all | 48 (32) | 0.896 / 0.394 | 26/32 | 3/16 | 0.328 | 26/26 |" in after
    assert "| target-0 tree backdoors (+ every clean tree) | 35 (19) | 0.839 / 0.499 |" in after


def test_one_sided_box_terms_take_their_floor_from_the_training_folds_clean(monkeypatch) -> None:
    """``bench_tabular_onesided.py`` (issue 16 stop 31c, a study): only the part of a box
    feature above the clean models' largest value counts; a per-table floor gives stop 31c's
    LightGBM line out of fold."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    load_bench()
    spec = importlib.util.spec_from_file_location(
        "bench_tabular_onesided", ROOT / "benchmarks/bench_tabular_onesided.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    row = {"table": "t", "features": {"tab_box": 3.0}}
    assert study.with_overs(row, ["tab_box"], {("tab_box", "t"): 5.0})["tab_box_over"] == 0.0
    assert study.with_overs(row, ["tab_box"], {("tab_box", "t"): 1.0})["tab_box_over"] == 2.0
    import numpy as np
    from sklearn.metrics import log_loss

    bench = sys.modules["bench_tabular_calibrate"]
    rows = bench.new_labelling(bench.load_rows([str(ROWS / f) for f in DEV_ROWS]), FLIPS)
    sub = [r for r in rows if bench.in_family(r, "tree:lightgbm")]
    y = np.array([int(r["backdoored"]) for r in sub])
    base = bench.DESIGNS["tree:lightgbm"]["mass + rel + major_group_rel"]
    p = study.out_of_fold(sub, y, base, ["tab_box"], "log", per_table=True)
    assert round(log_loss(y, p), 3) == 0.223


# stop 32b's development rows: stop 31c's, tab-fresh11 and tab-fresh12 (+ -lc), with the floor
# features (tab_box_over, tab_major_box_over) added by bench_tabular_floor.py
STOP32_ROWS = [*DEV_ROWS, "tab-fresh11_rows.json", "tab-fresh12_rows.json",
               "tab-fresh12-lc_rows.json"]


def refit_xgboost(tmp_path, rows: list[str], extra: str) -> dict:
    """The shipped calibration file with its XGBoost entry refitted on the committed ``rows``
    (stop 31b's labelling) as step 8's design plus ``extra`` (``features|transform|C``)."""
    out = tmp_path / "cal.json"
    shutil.copy(ROOT / "src/trojanscope/detect/calibration.json", out)
    load_bench().fit_designs(
        [str(ROWS / f) for f in rows],
        [f"tree:xgboost=group + rel + box + score + major_enrichment + {extra}"], str(out), FLIPS)
    return load_calibrators(out)


def test_committed_rows_reproduce_the_stop_32b_candidate(tmp_path, monkeypatch) -> None:
    """Issue 16 stop 32b: the XGBoost entry with the box term above its own floor, refitted
    from the committed rows, is the candidate file's; its other entries are the shipped ones."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    refit = refit_xgboost(tmp_path, STOP32_ROWS, "major_group_rel + major_box_over|log|10")
    candidate = load_calibrators(ROOT / "benchmarks/data/calibration-stop32b-candidate.json")
    key = "tabular-search:tree:xgboost"
    assert "tab_major_box_over" in candidate[key].features
    assert refit[key].fitted_on["n_models"] == candidate[key].fitted_on["n_models"] == 196
    assert refit[key].coef == pytest.approx(candidate[key].coef, rel=1e-3, abs=1e-4)
    before = load_calibrators(ROOT / "benchmarks/data/calibration-stop31c-candidate.json")
    assert candidate["tabular-search:tree:lightgbm"].coef == before[
        "tabular-search:tree:lightgbm"].coef  # the file shipped then


def test_rule_figures_of_tab_fresh13_from_committed_rows(capsys) -> None:
    """Stop 32b's shipping rule on the fresh zoo (seeds 2300/2310): the candidate's
    cross-entropy is higher than the shipped file's, so it is not shipped."""
    bench = load_target0()
    rows = [str(ROWS / "tab-fresh13_rows.json"), str(ROWS / "tab-fresh13-lc_rows.json")]
    bench.rule_figures(rows, None, None)
    shipped = capsys.readouterr().out
    assert "| all | 68 (36) | 0.943 / 0.317 | 28/36 | 3/32 | 0.206 | 28/28 |" in shipped
    bench.rule_figures(rows, str(ROOT / "benchmarks/data/calibration-stop32b-candidate.json"),
                       None)
    candidate = capsys.readouterr().out
    assert "| all | 68 (36) | 0.944 / 0.327 | 28/36 | 3/32 | 0.264 | 28/28 |" in candidate


def test_rule_figures_of_tab_fresh14_from_committed_rows(capsys) -> None:
    """Stop 32c's shipping rule on the fresh zoo (seeds 2400/2410): the stored probabilities
    (the file before stop 32c) against the shipped file (LightGBM + tab_leaves): ROC-AUC not
    lower, cross-entropy lower, no more clean models flagged, every flagged target right."""
    bench = load_target0()
    rows = [str(ROWS / "tab-fresh14_rows.json"), str(ROWS / "tab-fresh14-lc_rows.json")]
    bench.rule_figures(rows, None, None)
    before = capsys.readouterr().out
    assert "| all | 66 (34) | 0.929 / 0.331 | 23/34 | 2/32 | 0.207 | 23/23 |" in before
    # the file shipped by stop 32c (its tabular entries; stop 33 changed the XGBoost one)
    bench.rule_figures(rows, str(ROOT / "benchmarks/data/calibration-stop32c-candidate.json"),
                       None)
    after = capsys.readouterr().out
    assert "| all | 66 (34) | 0.940 / 0.313 | 24/34 | 2/32 | 0.233 | 24/24 |" in after


def test_committed_rows_reproduce_the_stop_33_candidate(tmp_path, monkeypatch) -> None:
    """Issue 16 stop 33: the XGBoost entry with the bound recurrence's lead over the other
    class and the box above its floor, refitted from the committed rows, is the candidate
    file's; its other entries are the file shipped then."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    refit = refit_xgboost(tmp_path, STOP33_ROWS, "major_recur_lead + major_box_over|none|10")
    candidate = load_calibrators(ROOT / "benchmarks/data/calibration-stop33-candidate.json")
    key = "tabular-search:tree:xgboost"
    assert "tab_major_recur_lead" in candidate[key].features
    assert refit[key].fitted_on["n_models"] == candidate[key].fitted_on["n_models"] == 240
    assert refit[key].coef == pytest.approx(candidate[key].coef, rel=1e-3, abs=1e-4)
    then = load_calibrators(ROOT / "benchmarks/data/calibration-stop32c-candidate.json")
    assert candidate["tabular-search:tree:lightgbm"].coef == then[
        "tabular-search:tree:lightgbm"].coef  # the file shipped then


@pytest.mark.slow  # 13 folds x 6 fits, twice: about 20 s alone
def test_copies_out_leaves_a_held_out_models_copies_out_of_the_fit(capsys) -> None:
    """``--by-zoo --copies-out`` (stop 33): trees train deterministically, so two zoos that
    draw one clean variant hold one model; its copies leave the fit with it. The shipped
    XGBoost design then flags more clean models out of fold than with the copies in."""
    bench = load_bench()
    row = {"backdoored": False, "table": "credit-default", "arch": "xgboost",
           "features": {"tab_mass_group": 2.82, "tab_box": 0.32, "calibrated": 1.0}}
    other = {**row, "features": {**row["features"], "calibrated": 0.0}}
    assert bench.model_key(row) == bench.model_key(other)
    assert bench.model_key(row) != bench.model_key({**row, "backdoored": True})
    files = [str(ROWS / f) for f in STOP33_ROWS]
    design = ["group + rel + box + score + major_enrichment"]
    flagged = {}
    for copies_out in (False, True):
        bench.by_zoo(files, ["tree:xgboost"], design, FLIPS, copies_out)
        line = next(x for x in capsys.readouterr().out.splitlines() if "| log | 10 |" in x)
        flagged[copies_out] = int(line.split("clean flagged ")[1].split(";")[0])
    assert flagged == {False: 14, True: 16}


def test_copies_out_keys_networks_by_every_feature() -> None:
    """Distinct MLPs share the tree features (0) and often the few-valued flip rates; keyed
    by those, ``--copies-out`` took them for copies (stop 34b). A network is keyed by every
    feature, so two MLPs that differ only in ``tab_excess`` are two models; a tree's key is
    unchanged (only the tree features)."""
    bench = load_bench()
    mlp = {"backdoored": False, "table": "credit-default", "arch": "mlp",
           "features": {"tab_flip_1": 0.0, "tab_score": 0.1, "tab_excess": 0.3}}
    twin = {**mlp, "features": {**mlp["features"], "tab_excess": 0.4}}
    assert bench.model_key(mlp) != bench.model_key(twin)
    assert bench.model_key(mlp) == bench.model_key({**mlp, "features": dict(mlp["features"])})
    tree = {**mlp, "arch": "xgboost"}
    assert bench.model_key(tree) == bench.model_key({**twin, "arch": "xgboost"})


def test_rule_figures_of_tab_fresh15_from_committed_rows(capsys) -> None:
    """Stop 33's shipping rule on the fresh zoo (seeds 2500/2510): the stored probabilities
    (the file before stop 33) against the candidate (XGBoost + the bound recurrence's lead +
    the box above its floor, now shipped): ROC-AUC not lower, cross-entropy lower, no more
    clean models flagged, target right for >= 90% of the flagged."""
    bench = load_target0()
    rows = [str(ROWS / "tab-fresh15_rows.json"), str(ROWS / "tab-fresh15-lc_rows.json")]
    bench.rule_figures(rows, None, None)
    before = capsys.readouterr().out
    assert "| all | 69 (37) | 0.962 / 0.241 | 35/37 | 1/32 | 0.297 | 34/35 |" in before
    bench.rule_figures(rows, str(ROOT / "benchmarks/data/calibration-stop33-candidate.json"),
                       None)
    after = capsys.readouterr().out
    assert "| all | 69 (37) | 0.967 / 0.201 | 35/37 | 1/32 | 0.248 | 34/35 |" in after


def test_rule_figures_of_tab_fresh16_from_committed_rows(capsys) -> None:
    """Stop 33b's shipping rule on the fresh zoo (seeds 2600/2610): the stored probabilities
    (stop 33's file) against the candidate (LightGBM + the bound recurrence's lead, now
    shipped): ROC-AUC not lower, cross-entropy lower, no more clean models flagged, every
    flagged target right; and the file before stop 33 (a second look at its XGBoost entry)."""
    bench = load_target0()
    rows = [str(ROWS / "tab-fresh16_rows.json"), str(ROWS / "tab-fresh16-lc_rows.json")]
    bench.rule_figures(rows, None, None)
    assert "| all | 70 (38) | 0.910 / 0.390 | 32/38 | 4/32 | 0.464 | 32/32 |" in (
        capsys.readouterr().out)
    bench.rule_figures(rows, str(ROOT / "benchmarks/data/calibration-stop33b-candidate.json"),
                       None)
    assert "| all | 70 (38) | 0.917 / 0.378 | 32/38 | 4/32 | 0.450 | 32/32 |" in (
        capsys.readouterr().out)
    bench.rule_figures(rows, str(ROOT / "benchmarks/data/calibration-stop32c-candidate.json"),
                       None)
    assert "| all | 70 (38) | 0.892 / 0.405 | 30/38 | 8/32 | 0.441 | 30/30 |" in (
        capsys.readouterr().out)


def test_excess_labelling_of_the_development_rows(capsys) -> None:
    """``--labels excess`` (issue 16 stop 35): backdoors are keyed by zoo and name, so rows of
    many zoos pool; at the floor 0.25 the five credit-default MLP target-1 backdoors whose
    triggers clean MLPs already follow are left out on top of stop 31b's 31 inert ones, and
    at -1 only stop 31b's are."""
    bench = load_target0()
    zoos = ["tab-fresh6", "tab-fresh7", "tab-fresh8", "tab-fresh9", "tab-fresh10",
            "tab-fresh17"]
    names = [f"{z}{s}_rows.json" for z in zoos for s in ("", "-lc")]
    names += ["dev-cd_rows.json", "dev-cd2_rows.json", "dev-lc-mlp_rows.json",
              "dev-lc-trees_rows.json", "tab-cal-lc-mlp_rows.json"]
    rows = [str(ROWS / n) for n in names]
    excess = str(ROOT / "benchmarks/data/dev_excess_flips.json")
    natural = set(bench.inert_set(excess, "excess", 0.25)) - set(
        bench.inert_set(excess, "excess", -1.0))
    assert natural == {("tab-fresh6", "tabular-badnets-000"), ("tab-fresh6", "tabular-badnets-009"),
                       ("tab-fresh7", "tabular-subpopulation-005"),
                       ("tab-fresh9", "tabular-subpopulation-005"),
                       ("tab-fresh10", "tabular-badnets-018")}
    bench.rule_figures(rows, None, excess, "excess", -1.0)
    assert "without the inert backdoors (31 inert)" in capsys.readouterr().out
    bench.rule_figures(rows, None, excess, "excess", 0.25)
    out = capsys.readouterr().out
    assert "without the inert backdoors (36 inert)" in out
    assert "| credit-default mlp target 1 (+ its clean) | 61 (17) |" in out
