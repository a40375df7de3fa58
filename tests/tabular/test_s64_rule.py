"""Issue 16 stop 64 (h16): the networks' band entry refitted on several 200-row files per model
(``tabular_s64_h16_band_refit.py``), its candidate file, and the rule judged on three files per
model (``tabular_s64_h16_rule.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shipped_calibration import shipped_before_s64

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE = ROOT / "benchmarks/data/tabular_s64_h16/calibration_n64.json"
KEY = "tabular-search:network:twins:rows200"


def _bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_s64_h16_band_refit as refit
    import tabular_s64_h16_rule as rule

    return refit, rule


def _row(name: str, table: str, bd: bool, p: float, draw: int, target: int = 1) -> dict:
    return {"zoo": "z-lc" if table == "lending-club" else "z", "name": name, "table": table,
            "backdoored": bd, "target": target if bd else None, "probability": p,
            "predicted_target": target, "draw": draw, "family": "network:twins:rows200",
            "cpu_s": 2.0}


def _population(shift: float) -> list[dict]:
    """Three files of four credit-default and two lending-club models; ``shift`` lowers the
    clean credit-default models' p (what a better calibrator would do)."""
    out = []
    for k in range(3):
        out += [_row("c0", "credit-default", False, 0.6 - shift, k),
                _row("c1", "credit-default", False, 0.3 - shift, k),
                _row("b0", "credit-default", True, 0.7, k),
                _row("b1", "credit-default", True, 0.4 + 0.1 * k, k),
                _row("lc", "lending-club", False, 0.05, k),
                _row("lb", "lending-club", True, 0.95, k)]
    return out


def test_rule_needs_a_strict_gain_and_reads_the_worst_file() -> None:
    _, rule = _bench()
    d = _population(0.0)
    same = {name: ok for name, _, ok in rule.conditions(d, d, 0.0, 0.9, 2.0)}
    assert not same["1 credit-default CE R < D"]  # no gain is not a gain
    assert same["2 credit-default worst file CE R <= D"]
    assert same["9 median CPU s per reading <= 20"]
    better = rule.conditions(d, _population(0.2), 0.0, 0.9, 2.0)
    assert all(ok for _, _, ok in better)
    names = {name: ok for name, _, ok in rule.conditions(d, _population(0.2), None, None, 25.0)}
    assert not names["7 whole split unchanged"]  # not read is not kept
    assert not names["8 suite's user-made XGBoost backdoor flagged under R"]
    assert not names["9 median CPU s per reading <= 20"]
    assert rule.file_ce(d) == pytest.approx(max(
        rule._ce([r for r in d if r["draw"] == k]) for k in range(3)))


def test_only_models_read_on_every_file_are_judged(tmp_path: Path) -> None:
    _, rule = _bench()
    rows = [r for r in _population(0.0) if not (r["name"] == "b1" and r["draw"] == 2)]
    kept = rule.complete(rows)
    assert {r["name"] for r in kept} == {"c0", "c1", "b0", "lc", "lb"} and len(kept) == 15
    path = tmp_path / "rows.json"
    path.write_text(json.dumps({"rows": _population(0.0)}))
    assert {r["draw"] for r in rule.rows_of([f"{path}#1"], 7)} == {7}
    assert len(rule.rows_of([f"{path}#1"], 7)) == 6 and len(rule.rows_of([str(path)], 0)) == 18


def test_spread_rows_give_their_further_draws_once(tmp_path: Path) -> None:
    refit, _ = _bench()
    base = {"zoo": "tab-fresh42", "table": "credit-default", "name": "m", "arch": "mlp",
            "backdoored": False, "attack": None, "target": None}
    readings = [{"kind": kind, "j": j, "probability": 0.5, "predicted_target": 0,
                 "features": {}, "family": "network:twins:rows200", "cpu_s": 1.0}
                for kind, j in (("draw", 0), ("draw", 1), ("draw", 2), ("seed", 1), ("boot", 0))]
    spread = tmp_path / "spread.json"
    spread.write_text(json.dumps({"rows": [{**base, "readings": readings}]}))
    got = refit.read_rows([str(spread)])
    assert sorted(r["draw"] for r in got) == [1, 2]  # draw 0 is the pipeline's own file
    again = tmp_path / "again.json"
    again.write_text(json.dumps({"rows": [{**base, **readings[1], "draw": 1, "size": 200}]}))
    with pytest.raises(SystemExit, match="read twice"):
        refit.read_rows([str(spread), str(again)])
    assert refit.pair_of("tab-fresh44-lc") == refit.pair_of("tab-fresh44") == "tab-fresh44"


def test_candidate_is_the_shipped_file_with_the_network_band_entry_refitted() -> None:
    # written before stop 64's XGBoost entry shipped (h16z): compared with the file it saw
    shipped = shipped_before_s64()
    cand = json.loads(CANDIDATE.read_text())
    assert [k for k in set(shipped) | set(cand) if shipped.get(k) != cand.get(k)] == [KEY]
    entry = cand[KEY]
    refit, _ = _bench()
    assert entry["features"] == refit.features_of("excess + vs_twins + vs_gap + flip_1") == [
        "tab_excess", "tab_excess_vs_twins", "tab_excess_vs_twins_gap", "tab_flip_1"]
    assert entry["transform"] == "none" and entry["fitted_on"]["C"] == 1.0
    fitted = entry["fitted_on"]
    assert fitted["n_models"] == 278 and fitted["models"] == 206
    assert sum(fitted["tables"].values()) == 206
    # development zoos only: nothing of the fresh pair 5300/5310 (tab-fresh44)
    assert max(int(z.split("-")[1].removeprefix("fresh")) for z in fitted["zoo"]) == 43
