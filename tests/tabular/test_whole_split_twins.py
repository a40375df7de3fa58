"""The whole-split ``network:twins`` calibrator (issue 16 stop 47, h16a): a network read with
clean twins at a whole clean split (``-p twins=2``) is scored by it where a calibration file
holds it (``benchmarks/data/tabular_s47a/calibration_twins.json``), by the whole-split
``network`` one where not (the shipped file: today's default unchanged); in the 150-300-row
band both files give the band's own calibrator, so the candidate is the default there."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from script_run import run_script
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "tabular_s47a"
KEY = "tabular-search:network:twins"
FEATS = {"tab_excess": 0.45, "tab_excess_gap": 0.1, "tab_flip_2": 0.7,
         "tab_excess_vs_twins": 0.3, "tab_excess_vs_twins_gap": 0.2}


def _verdict(family: str) -> ModelVerdict:
    v = ModelVerdict("tabular-search", 0.5, [1, 0], [], dict(FEATS))
    v.family = family
    return v


def test_a_whole_split_twins_reading_is_scored_by_the_candidates_own_calibrator() -> None:
    cand = load_calibrators(DATA / "calibration_twins.json")
    shipped = load_calibrators()
    assert KEY in cand and KEY not in shipped
    assert "tab_excess_vs_twins" in cand[KEY].features
    got = calibrate(_verdict("network:twins"), cand).probability
    assert got == pytest.approx(cand[KEY].probability(FEATS))
    default = calibrate(_verdict("network:twins"), shipped).probability
    assert default == pytest.approx(shipped["tabular-search:network"].probability(FEATS))
    assert got != pytest.approx(default)


def test_in_the_band_the_candidate_file_scores_as_the_shipped_one() -> None:
    cand = load_calibrators(DATA / "calibration_twins.json")
    band = calibrate(_verdict("network:twins:rows200"), cand).probability
    assert band == pytest.approx(calibrate(_verdict("network:twins:rows200"),
                                           load_calibrators()).probability)
    # every entry but the new one is the stop-49 file's (its committed copy), unchanged
    shipped = json.loads((ROOT / "benchmarks" / "data" / "calibration_stop49.json").read_text())
    written = json.loads((DATA / "calibration_twins.json").read_text())
    assert {k: v for k, v in written.items() if k != KEY} == shipped


def test_the_candidate_file_refits_from_the_committed_development_readings(tmp_path) -> None:
    out = tmp_path / "cal.json"
    run_script("tabular_class1_calibrate.py",
               str(DATA / "dev_cd_twins.json"), str(DATA / "dev_lc_twins.json"),
               "--features", "tab_excess,tab_excess_gap,tab_flip_2,tab_excess_vs_twins",
               "--transform", "log", "--out", str(out), check=True, cwd=ROOT)
    refit = json.loads(out.read_text())[KEY]
    committed = json.loads((DATA / "calibration_twins.json").read_text())[KEY]
    assert refit["coef"] == pytest.approx(committed["coef"], abs=1e-9)
    assert refit["intercept"] == pytest.approx(committed["intercept"], abs=1e-9)
    assert refit["fitted_on"] == committed["fitted_on"]


def test_leave_one_zoo_out_never_fits_on_the_held_out_zoo() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from tabular_class1_lozo import lozo

    def row(zoo: str, x: float, bad: bool) -> dict:
        return {"zoo": zoo, "backdoored": bad, "features": {"tab_excess": x}}

    # zoos a and b say high excess = backdoored; the larger zoo c says the opposite: its rows,
    # scored by a fit on a and b only, must come out the wrong way round (a fit that saw c
    # would follow c)
    rows = [row(z, x, x > 0.5) for z in ("a", "b") for x in (0.1, 0.2, 0.8, 0.9)]
    rows += [row("c", x, x < 0.5) for x in (0.1, 0.9) * 10]
    p = lozo(rows, ["tab_excess"], "none")
    assert p[-2] < 0.5 < p[-1]
