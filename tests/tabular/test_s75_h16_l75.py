"""Issue 16 stop 75 (h16): LightGBM's 200-row band entry refitted to read each class's bound
recurrence (``tab_major_recur_lead``) and ``tab_flip_2`` behind a range guard (candidate L75,
``tabular_s75_h16_clean.py``), and the rule script's ``--guarded`` one-entry check
(``tabular_s72_h16_rule.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.calibration_range import OUT_OF_RANGE, guarded_probability

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks/data/tabular_s75_h16"
CANDIDATE = DATA / "calibration_l75.json"
BEFORE = DATA / "calibration_before_s75.json"  # the shipped file at the rule's commit
KEY = "tabular-search:tree:lightgbm:rows200"
FALLBACK = f"{KEY}:{OUT_OF_RANGE}"
DESIGN = ["tab_box", "tab_mass_group", "tab_major_recur", "tab_major_recur_lead", "tab_flip_2"]


def _bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_s72_h16_rule as rule
    import tabular_s75_h16_clean as clean

    return rule, clean


def test_candidate_refits_the_lightgbm_band_entry_alone_behind_its_range_guard() -> None:
    rule, _ = _bench()
    assert rule.entry_alone(CANDIDATE, BEFORE, guarded=True) == (f"{KEY}, {FALLBACK}", True)
    assert not rule.entry_alone(CANDIDATE, BEFORE)[1]  # unguarded, the added fallback counts
    mine, ours = json.loads(CANDIDATE.read_text()), json.loads(BEFORE.read_text())
    assert mine[KEY]["features"] == DESIGN
    assert set(mine[KEY]["fitted_on"]["range"]) == set(DESIGN)
    assert {k: v for k, v in mine[FALLBACK].items() if k != "method"} == {
        k: v for k, v in ours[KEY].items() if k != "method"}  # today's entry, renamed
    assert mine[f"{KEY}:gap"] == ours[f"{KEY}:gap"]


def test_a_reading_outside_the_fitted_range_scores_as_today() -> None:
    cand, today = load_calibrators(CANDIDATE), load_calibrators(BEFORE)
    inside = {"tab_box": 0.4, "tab_mass_group": 2.4, "tab_major_recur": 3.1,
              "tab_major_recur_lead": -0.5, "tab_flip_2": 0.6, "tab_gap": 0.1}
    far = {**inside, "tab_major_recur_lead": 3.7}  # stop 48's user-made tree read 3.67
    assert guarded_probability(KEY, cand, far) == guarded_probability(KEY, today, far)
    assert guarded_probability(KEY, cand, inside) != guarded_probability(KEY, today, inside)


def test_guarded_records_the_range_and_keeps_today_as_fallback() -> None:
    _, clean = _bench()
    rows = [{"zoo": f"z{i % 2}", "name": f"m{i}", "table": "credit-default", "traits": [],
             "backdoored": i % 2 == 1,
             "features": {f: 0.1 * i + (1.0 if i % 2 else 0.0) for f in DESIGN}}
            for i in range(12)]
    cals = clean.guarded(rows, "box + mass_group + recur + lead + flip_2", 1.0)
    assert cals[KEY].features == DESIGN
    assert cals[KEY].fitted_on["range"]["tab_box"] == [0.0, 1.1 + 1.0]
    today = load_calibrators(BEFORE)[KEY]
    assert cals[FALLBACK].features == today.features and cals[FALLBACK].coef == today.coef


def test_the_guarded_rule_refuses_a_refit_without_its_range(tmp_path: Path) -> None:
    rule, _ = _bench()
    cal = json.loads(CANDIDATE.read_text())
    del cal[KEY]["fitted_on"]["range"]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(cal))
    assert not rule.entry_alone(bare, BEFORE, guarded=True)[1]
