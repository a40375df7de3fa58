"""Issue 16 stop 58 (h16b): candidate N's file is what ``dev.sh.txt`` says -- the shipped file
with one entry, ``network:sure``, refitted on 300 development networks of 26 zoos (fresh
4700/4710 in no fit), every other entry the shipped one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sure_refit import refit_sure

from shipped_calibration import shipped_calibrators_before_centre
from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
S58B = ROOT / "benchmarks" / "data" / "tabular_s58_h16b"
SURE = "tabular-search:network:sure"
FRESH = {"tab-fresh38", "tab-fresh38-lc"}  # this task's fresh pair: never in a fit


def test_n_is_the_shipped_file_with_one_entry() -> None:
    cand = load_calibrators(S58B / "calibration_n.json")
    shipped = shipped_calibrators_before_centre()
    assert set(cand) - set(shipped) <= {SURE} and set(shipped) <= set(cand)
    for key, cal in shipped.items():  # network:sure too, once shipped
        assert (cand[key].coef, cand[key].intercept) == (cal.coef, cal.intercept), key
    assert cand[SURE].features == ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                   "tab_excess_sure"]


@pytest.mark.slow  # 300 readings refitted
def test_the_sure_entry_is_the_committed_development_networks_refitted(tmp_path) -> None:
    rows, mine = refit_sure(S58B / "sure_rows.txt", tmp_path / "cal.json")
    zoos = {r["zoo"] for r in rows}
    assert len(rows) == 300 and len(zoos) == 26 and FRESH.isdisjoint(zoos)
    assert {"tab-fresh37", "tab-fresh37-lc"} <= zoos  # 4600/4610 added
    cand = load_calibrators(S58B / "calibration_n.json")[SURE]
    assert mine.coef == pytest.approx(cand.coef, abs=1e-9)
    assert mine.intercept == pytest.approx(cand.intercept, abs=1e-9)
