"""Issue 16 stop 72 (h16): LightGBM's 200-row band entry refitted with ``tab_leaves``
(candidate L72, ``tabular_s72_h16_fit.py``), the readings' draw taken from their file's name
(``tabular_s72_h16_why.py``) and the rule's "none lost" and one-entry checks
(``tabular_s72_h16_rule.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE = ROOT / "benchmarks/data/tabular_s72_h16/calibration_l72.json"
SHIPPED = ROOT / "src/trojanscope/detect/calibration.json"
BEFORE = ROOT / "benchmarks/data/tabular_s72_h16/calibration_before_s72.json"  # at the rule
KEY = "tabular-search:tree:lightgbm:rows200"


def _bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_s72_h16_fit as fit
    import tabular_s72_h16_rule as rule
    import tabular_s72_h16_why as why

    return fit, rule, why


def test_candidate_is_the_shipped_file_with_the_lightgbm_band_entry_reading_leaves() -> None:
    _, rule, _ = _bench()
    assert rule.entry_alone(CANDIDATE, BEFORE) == (KEY, True)  # the rule's D is that file
    mine, ours = json.loads(CANDIDATE.read_text()), json.loads(BEFORE.read_text())
    assert mine[KEY]["features"] == ["tab_box", "tab_mass_group", "tab_major_recur", "tab_leaves"]
    assert mine[KEY]["coef"][-1] < 0  # a deeper tree reads less suspicious at the same evidence
    assert {k for k in set(mine) | set(ours) if mine.get(k) != ours.get(k)} <= {KEY}
    assert mine[f"{KEY}:gap"] == ours[f"{KEY}:gap"]  # the gap term as shipped


def test_rule_refuses_a_file_that_changes_another_entry(tmp_path: Path) -> None:
    _, rule, _ = _bench()
    cal = json.loads(SHIPPED.read_text())
    cal[KEY] = {**cal[KEY], "intercept": cal[KEY]["intercept"] + 1.0}
    one = tmp_path / "one.json"
    one.write_text(json.dumps(cal))
    assert rule.entry_alone(one)[1]
    cal["tabular-search:tree:xgboost:rows200"]["intercept"] += 1.0
    two = tmp_path / "two.json"
    two.write_text(json.dumps(cal))
    changed, alone = rule.entry_alone(two)
    assert not alone and "xgboost" in changed


def _reading(name: str, bd: bool, draw: int, p: float) -> dict:
    return {"zoo": "z", "name": name, "backdoored": bd, "probability": p, "draw": draw}


def test_none_lost_reads_a_model_over_its_three_files() -> None:
    _, rule, _ = _bench()
    d = [_reading("b", True, k, p) for k, p in enumerate((0.6, 0.7, 0.4))]  # D: 2 of 3
    kept = [_reading("b", True, k, p) for k, p in enumerate((0.6, 0.4, 0.55))]  # C: 2 of 3
    lost = [_reading("b", True, k, p) for k, p in enumerate((0.6, 0.4, 0.3))]  # C: 1 of 3
    assert rule.models_lost(d, kept) == []
    assert rule.models_lost(d, lost) == ["z/b 2 -> 1"]
    clean = [_reading("c", False, k, 0.9) for k in range(3)]
    assert rule.models_lost(clean, [_reading("c", False, k, 0.1) for k in range(3)]) == []


def test_a_reading_takes_its_file_draw_seed_and_is_read_once(tmp_path: Path) -> None:
    _, _, why = _bench()
    row = {"zoo": "z", "name": "m", "size": 200, "family": "tree:lightgbm:rows200", "draw": 0}
    for seed in (5845, 5846):
        (tmp_path / f"fresh_r200_{seed}_cd.json").write_text(json.dumps({"rows": [row]}))
    got = why.read_files([str(p) for p in sorted(tmp_path.glob("*.json"))])
    assert sorted(r["draw"] for r in got) == [5845, 5846]
    with pytest.raises(SystemExit):
        why.read_files([str(tmp_path / "fresh_r200_5845_cd.json")] * 2)
    (tmp_path / "nameless.json").write_text(json.dumps({"rows": [row]}))
    with pytest.raises(SystemExit):
        why.read_files([str(tmp_path / "nameless.json")])


def test_a_held_out_pair_is_scored_without_its_own_labels() -> None:
    fit, _, _ = _bench()
    rng = np.random.default_rng(0)
    rows = []
    for zoo in ("a", "a-lc", "b", "c"):
        for i in range(12):
            bd = i % 2 == 1
            feats = {"tab_box": rng.normal(0.3 + 0.2 * bd, 0.1),
                     "tab_mass_group": rng.normal(2.3 + 0.3 * bd, 0.2),
                     "tab_major_recur": rng.normal(3.0 + 0.5 * bd, 0.4),
                     "tab_leaves": float(rng.choice([3.0, 4.0, 4.95])), "tab_gap": 0.1}
            rows.append({"zoo": zoo, "name": f"m{i}", "draw": 0, "backdoored": bd,
                         "table": "lending-club" if zoo.endswith("-lc") else "credit-default",
                         "target": 1 if bd else None, "predicted_target": 1,
                         "family": fit.FAMILY, "features": feats, "probability": 0.5,
                         "traits": []})
    before = {(r["zoo"], r["name"]): r["probability"]
              for r in fit.held_out(rows, fit.CANDIDATE, 1.0)}
    flipped = [{**r, "backdoored": not r["backdoored"]} if r["zoo"].startswith("a") else r
               for r in rows]
    after = {(r["zoo"], r["name"]): r["probability"]
             for r in fit.held_out(flipped, fit.CANDIDATE, 1.0)}
    for k, p in before.items():
        if k[0].startswith("a"):  # pair "a" (with "a-lc") held out together
            assert after[k] == pytest.approx(p)
