"""Issue 16 stop 57's rule scripts and reading helpers: ``tabular_cost_rule.py`` (candidate N:
networks both runs read, time in CPU seconds, R = D at 200 rows only where twins were read),
``tabular_tree_band_rule.py`` (candidate T: trees rescored by a band file, clean flags per
library) and ``tabular_small_clean.py``'s interleaved order and whole-file writes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tabular_cost_rule as cost  # noqa: E402
import tabular_small_clean as small  # noqa: E402
import tabular_tree_band_rule as band  # noqa: E402


def _row(table: str, name: str, arch: str, bad: bool, p: float, cpu: float = 2.0,
         family: str = "network") -> dict:
    return {"zoo": table[:2], "name": name, "size": 100000, "draw": 0, "arch": arch,
            "table": table, "backdoored": bad, "target": 1 if bad else None,
            "probability": p, "predicted_target": 1, "cpu_s": cpu, "family": family}


def _default() -> list[dict]:
    return [_row(t, f"{a}-{k}", a, k % 2 == 1, 0.7 if k % 2 else 0.3)
            for t in cost.TABLES for a in ("mlp", "xgboost") for k in range(6)]


def _twins() -> list[dict]:
    return [{**r, "size": 200, "family": "network:twins:rows200"} for r in _default()
            if r["arch"] == "mlp"]


def test_a_cut_candidate_run_is_judged_on_the_networks_both_read() -> None:
    d = _default()
    s = [{**r, "probability": 0.9 if r["backdoored"] else 0.1, "cpu_s": 3.0}
         for r in d if r["arch"] == "mlp" and not r["name"].endswith("-5")]
    kept, s_kept = cost.common(d, s)
    assert not any(r["name"] == "mlp-5" for r in kept)
    assert sum(r["arch"] == "xgboost" for r in kept) == 12 and len(s_kept) == 10
    out, r = cost.conditions(kept, s_kept, _twins(), 20.0, 2.0)
    assert all(ok for _, _, ok in out)
    assert {x["probability"] for x in r if x["arch"] == "mlp"} == {0.1, 0.9}


def test_time_and_cross_entropy_fail_where_they_should() -> None:
    d = _default()
    slow = [{**r, "cpu_s": 5.0} for r in d if r["arch"] == "mlp"]  # 2.5 x D's 2.0 s
    held = {c: ok for c, _, ok in cost.conditions(d, slow, _twins(), 20.0, 2.0)[0]}
    assert not held["whole split: median CPU s per network S <= 2 x D"]
    assert held["whole split: median CPU s per model R <= max(20, D + 1)"]
    worse = [{**r, "probability": 0.35 if not r["backdoored"] else 0.7}
             for r in d if r["arch"] == "mlp"]
    held = {c: ok for c, _, ok in cost.conditions(d, worse, _twins(), 20.0, 2.0)[0]}
    assert not held["whole split: credit-default CE R <= D"]  # no slack any more
    without = [{**r, "family": "network"} for r in _twins()]
    held = {c: ok for c, _, ok in cost.conditions(d, d[:0] + [r for r in d if r["arch"] == "mlp"],
                                                  without, 20.0, 2.0)[0]}
    assert not held["200 rows: every network read with twins (R = D there)"]


def test_too_few_networks_and_a_repeated_reading_are_said() -> None:
    d = _default()
    assert cost.enough(d, 3) == []
    assert any("lending-club: 0 clean" in w
               for w in cost.enough([r for r in d if r["table"] != "lending-club"], 3))
    nets = [r for r in d if r["arch"] == "mlp"]
    with pytest.raises(SystemExit, match="networks, each read once"):
        cost.common(d, [*nets, nets[0]])
    assert cost.cpu([{"probability": 0.1}]) != cost.cpu([{"probability": 0.1}])  # nan


def _tree_rows() -> list[dict]:
    return [{**_row(t, f"{a}-{k}", a, k % 2 == 1, 0.6, family=f"tree:{a}:rows200"),
             "size": 200, "features": {"tab_box": float(k % 2), "tab_gap": 0.5}}
            for t in cost.TABLES for a in ("xgboost", "lightgbm") for k in range(4)]


def _band_file(tmp_path: Path, coef: float) -> Path:
    """The shipped file with both tree band entries reading ``tab_box`` alone."""
    shipped = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    for lib in band.LIBRARIES:
        entry = shipped[f"tabular-search:tree:{lib}:rows200"]
        entry.update(features=["tab_box"], coef=[coef], intercept=-coef / 2, transform="none")
        for k in ("mean", "scale"):
            if k in entry:
                entry[k] = [0.0 if k == "mean" else 1.0]
    out = tmp_path / "band.json"
    out.write_text(json.dumps(shipped))
    return out


def test_trees_are_rescored_and_a_better_band_file_meets_the_rule(tmp_path: Path) -> None:
    d = _tree_rows()  # every tree at 0.6: every clean one flagged
    r = band.rescored(d, _band_file(tmp_path, 8.0))
    assert all((x["probability"] >= 0.5) == x["backdoored"] for x in r)
    held = {c: ok for c, _, ok in band.conditions(d, r, _default())}
    assert all(held.values()), held
    flipped = band.rescored(d, _band_file(tmp_path, -8.0))
    held = {c: ok for c, _, ok in band.conditions(d, flipped, _default())}
    assert not held["pooled trees CE R < D"]
    assert not held["credit-default trees ROC-AUC R >= D - 0.01"]


def test_a_tree_read_outside_the_band_is_refused_and_too_few_are_said(tmp_path) -> None:
    d = [{**_tree_rows()[0], "family": "tree:xgboost"}]
    with pytest.raises(SystemExit, match="not read in the 200-row band"):
        band.rescored(d, _band_file(tmp_path, 1.0))
    assert band.short_of(_tree_rows(), 5) != [] and band.short_of(_tree_rows(), 4) == []
    banded = [{**_default()[6], "family": "tree:xgboost:rows200"}]
    held = {c: ok for c, _, ok in band.conditions(_tree_rows(), _tree_rows(), banded)}
    assert not held["whole split: no tree scored by a band calibrator (R = D there)"]


def test_interleaved_order_and_whole_file_writes(tmp_path: Path) -> None:
    e = [SimpleNamespace(name=n, backdoored=n.startswith("b")) for n in
         ("c0", "c1", "c2", "b0", "b1")]
    assert [x.name for x in small.interleaved(e)] == ["c0", "b0", "c1", "b1", "c2"]
    out = tmp_path / "rows.json"
    small.write_rows(out, {"k": 1}, [{"a": 1}])
    small.write_rows(out, {"k": 1}, [{"a": 1}, {"a": 2}])
    assert json.loads(out.read_text())["rows"] == [{"a": 1}, {"a": 2}]
    assert not (tmp_path / "rows.json.tmp").exists()
