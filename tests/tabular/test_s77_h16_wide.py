"""Issue 16 stop 77 (h16): LightGBM's 200-row readings with the wide box. The development script
fills a stored reading's missing class share from its file's counts as the detector records it,
refuses a reading without the wide box, and its rule says "nothing moved" and "lost" where so;
which libraries read the wide box by default in the band is one constant."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from tabular_s77_h16_wide import conditions, wide_rows, with_share  # noqa: E402
from trojanscope.data.class_shares import minor_share  # noqa: E402
from trojanscope.detect.tabular_gap_raise import SHARE_FEATURE  # noqa: E402


def _row(name: str, draw: int, p: float, backdoored: bool, table: str = "credit-default",
         kind: str = "lightgbm", **features: float) -> dict:
    return {"zoo": "z", "name": name, "draw": draw, "probability": p, "backdoored": backdoored,
            "target": 0 if backdoored else None, "predicted_target": 0, "table": table,
            "family": f"tree:{kind}:rows200", "cpu_s": 1.0, "features": dict(features),
            "others": [55, 145], "size": 200}


def test_a_missing_class_share_is_filled_as_the_detector_records_it() -> None:
    old, new = _row("a", 0, 0.6, False), _row("b", 0, 0.6, False, **{SHARE_FEATURE: 0.4})
    got = with_share([old, new])
    # others[c] = the file's rows not of class c: 55 of class 1, 145 of class 0
    assert got[0]["features"][SHARE_FEATURE] == pytest.approx(
        minor_share([1] * 55 + [0] * 145, 2))
    assert got[1]["features"][SHARE_FEATURE] == 0.4  # recorded: kept
    assert SHARE_FEATURE not in old["features"]  # the stored reading is not changed
    with pytest.raises(SystemExit, match="not binary"):
        with_share([{**old, "others": [1, 2, 3]}])


def test_a_reading_without_the_wide_box_is_refused(tmp_path: Path) -> None:
    import json

    path = tmp_path / "r200_5995_cd.json"
    path.write_text(json.dumps({"rows": [_row("a", 0, 0.6, False, tab_box=0.3)]}))
    with pytest.raises(SystemExit, match="without tab_box_wide"):
        wide_rows([str(path)], ROOT / "src/trojanscope/detect/calibration.json")


def _three(name: str, ps: list[float], backdoored: bool, table: str = "credit-default"
           ) -> list[dict]:
    return [_row(name, k, p, backdoored, table) for k, p in enumerate(ps)]


def _population(clean_ps: list[float], bd_ps: list[float]) -> list[dict]:
    rows = (_three("clean", clean_ps, False) + _three("bd", bd_ps, True)
            + _three("c2", [0.1, 0.2, 0.1], False) + _three("b2", [0.9, 0.8, 0.9], True)
            + _three("lc", [0.1, 0.1, 0.1], False, "lending-club")
            + _three("lb", [0.9, 0.9, 0.9], True, "lending-club"))
    return sorted(rows, key=lambda r: (r["zoo"], r["name"], r["draw"]))


def test_the_rule_reads_a_lowered_clean_flag_as_met_and_a_lowered_backdoor_as_lost() -> None:
    d = _population([0.6, 0.7, 0.4], [0.6, 0.7, 0.3])
    pairs = [(x, x) for x in d if x["draw"] == 0]
    readme = ("same", True)
    fewer = {name[:1]: ok for name, _, ok in conditions(
        d, _population([0.3, 0.7, 0.4], [0.6, 0.7, 0.3]), pairs, readme)}
    assert fewer["1"] and fewer["2"] and fewer["8"] and fewer["9"]
    same = {name[:1]: (sides, ok) for name, sides, ok in conditions(d, d, pairs, readme)}
    assert not same["1"][1] and "nothing moved" in same["1"][0]
    lost = {name[:1]: (sides, ok) for name, sides, ok in conditions(
        d, _population([0.3, 0.7, 0.4], [0.4, 0.7, 0.3]), pairs, readme)}
    assert not lost["2"][1] and "z/bd 2 -> 1" in lost["2"][0]


def test_which_libraries_read_the_wide_box_in_the_band_is_one_constant(searched_run,
                                                                       monkeypatch) -> None:
    from trojanscope import registry
    from trojanscope.detect import tabular_file_size, tabular_search

    run = searched_run("lightgbm", 1)
    rows = len(run.test)
    monkeypatch.setattr(tabular_file_size, "SIZE_BANDS", {"rows200": (rows, rows)})

    def verdict():
        return registry.create("detector", "tabular-search").inspect(run.model, run.test, seed=0)

    shipped = "lightgbm" in tabular_search.BAND_WIDE_LIBRARIES
    default = verdict()
    assert default.family == "tree:lightgbm:rows200"
    assert ("tab_box_wide" in default.features) == shipped
    monkeypatch.setattr(tabular_search, "BAND_WIDE_LIBRARIES", ("xgboost",))
    before = verdict()
    monkeypatch.setattr(tabular_search, "BAND_WIDE_LIBRARIES", ("xgboost", "lightgbm"))
    wide = verdict()
    assert "tab_box_wide" not in before.features and "tab_box_wide" in wide.features
    # the wide box moves no default feature (tab_box_above, which only XGBoost's band entry
    # reads, is the wide box above the ten's where it is read)
    for k, v in before.features.items():
        if k != "tab_box_above":
            assert wide.features[k] == pytest.approx(v, abs=1e-12), k
