"""Issue 16 stop 78 (h16): LightGBM's band entry reading the matched wide box guarded by the top
ten's box (``benchmarks/tabular_s78_h16_guard.py``). Each form falls and rises only where it
says; the rule's candidate side changes LightGBM's band readings alone; the written candidate
carries the map and ``tau`` it was fitted with."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from tabular_s78_h16_guard import candidate_scored, guarded_box, wide_map  # noqa: E402

SHIPPED = ROOT / "benchmarks/data/tabular_s78_h16/calibration_before_s78.json"
# a map under which the matched wide box equals the wide box (same mean and spread)
SAME = (0.3, 0.1, 0.3, 0.1)


def test_each_form_falls_and_rises_only_where_it_says() -> None:
    tau = 0.4
    # the ten's box low (0.3 < tau): lower and guard fall to the wide box; above does not
    assert guarded_box(0.3, 0.1, "lower", SAME, tau) == pytest.approx(0.1)
    assert guarded_box(0.3, 0.1, "guard", SAME, tau) == pytest.approx(0.1)
    assert guarded_box(0.3, 0.1, "above", SAME, tau) == pytest.approx(0.3)
    # the ten's box high (0.5 >= tau): neither guarded form falls; W77's place does
    assert guarded_box(0.5, 0.1, "lower", SAME, tau) == pytest.approx(0.5)
    assert guarded_box(0.5, 0.1, "guard", SAME, tau) == pytest.approx(0.5)
    assert guarded_box(0.5, 0.1, "place", SAME, tau) == pytest.approx(0.1)
    # a wide box above the ten's: lower never rises, guard and above do
    assert guarded_box(0.3, 0.9, "lower", SAME, tau) == pytest.approx(0.3)
    assert guarded_box(0.5, 0.9, "guard", SAME, tau) == pytest.approx(0.9)
    assert guarded_box(0.3, 0.9, "above", SAME, tau) == pytest.approx(0.9)
    # the map puts the wide box on the ten's scale: mean 0.3 / spread 0.1 -> 0.5 / 0.2
    assert guarded_box(0.0, 0.4, "place", (0.3, 0.1, 0.5, 0.2), tau) == pytest.approx(0.25)
    with pytest.raises(SystemExit, match="unknown form"):
        guarded_box(0.3, 0.1, "lowest", SAME, tau)


def _row(family: str, box: float, wide: float, backdoored: bool = False) -> dict:
    cals = json.loads(SHIPPED.read_text())
    names = cals[f"tabular-search:{family}"]["features"]
    features = {n: m for n, m in zip(names, cals[f"tabular-search:{family}"]["mean"],
                                     strict=True)}
    features.update({"tab_box": box, "tab_box_wide": wide, "tab_gap": 0.0,
                     "tab_major_flip_1": 0.0, "tab_box_above": box})
    return {"zoo": "z", "name": family, "draw": 0, "probability": 0.5,
            "backdoored": backdoored, "family": family, "features": features}


def test_the_candidate_changes_lightgbm_band_readings_alone() -> None:
    cand = {"form": "lower", "tau": 0.5, "match": list(SAME)}
    lgb, xgb = _row("tree:lightgbm:rows200", 0.4, 0.0), _row("tree:xgboost:rows200", 0.4, 0.0)
    high = _row("tree:lightgbm:rows200", 0.6, 0.0)  # the ten's box high: guarded
    d = candidate_scored([lgb, xgb, high], {**cand, "form": "above"}, SHIPPED)
    c = candidate_scored([lgb, xgb, high], cand, SHIPPED)
    assert c[0]["probability"] < d[0]["probability"]  # both boxes low: it falls
    assert c[1]["probability"] == d[1]["probability"]  # XGBoost: as shipped
    assert c[2]["probability"] == d[2]["probability"]  # the ten's box high: kept
    assert lgb["features"]["tab_box"] == 0.4  # the reading given is not changed


def test_the_map_is_read_on_clean_readings_alone() -> None:
    rows = [_row("tree:lightgbm:rows200", b, w) for b, w in ((0.2, 0.5), (0.4, 0.9))]
    rows.append(_row("tree:lightgbm:rows200", 5.0, 5.0, backdoored=True))
    mb, sb, mw, sw = wide_map(rows)
    assert (mb, sb, mw, sw) == pytest.approx((0.3, 0.1, 0.7, 0.2))


def test_fell_lists_the_flagged_readings_the_candidate_lowers(tmp_path: Path, capsys) -> None:
    from argparse import Namespace

    from tabular_s78_h16_guard import fell

    rows = [{**_row("tree:lightgbm:rows200", b, 0.0), "name": n, "zoo": "z", "size": 200,
             "others": [55, 145], "table": "credit-default", "target": None,
             "predicted_target": 0, "cpu_s": 1.0, "family": "tree:lightgbm:rows200"}
            for n, b in (("low", 0.4), ("high", 0.6))]
    for r in rows:
        r["features"]["tab_minor_share"] = 0.275
    path = tmp_path / "r200_6505_cd_lgbm.json"
    path.write_text(json.dumps({"rows": rows}))
    cand = tmp_path / "g.json"
    cand.write_text(json.dumps({"form": "lower", "tau": 0.5, "match": list(SAME)}))
    fell(Namespace(rows=[str(path)], shipped=SHIPPED, candidate=cand))
    out = capsys.readouterr().out
    assert out.startswith("1 of 2 LightGBM readings lowered")  # the high box is guarded
