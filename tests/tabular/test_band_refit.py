"""``benchmarks/tabular_band_refit.py`` and stop 48's candidate band file (issue 16): readings
are deduplicated (first file wins), a family kept ``as-shipped`` is scored by the shipped entry
and never refitted, a held-out zoo's p never sees its own labels, the candidate differs from
the shipped file only in the two tree band entries (so a whole split reads the same), and those
entries refit from the committed development readings."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
CAND = DATA / "tabular_s48a" / "calibration_band.json"
SHIPPED = ROOT / "src" / "trojanscope" / "detect" / "calibration.json"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49 (the candidate's base)
BANDS = ("tabular-search:tree:xgboost:rows200", "tabular-search:tree:lightgbm:rows200")
FITS = {"network:twins": "as-shipped", "tree:xgboost": "mass + box + recur_lead|none|10",
        "tree:lightgbm": "mass + box + box_over|none|0.1"}


@pytest.fixture()
def refit(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(
        "tabular_band_refit", ROOT / "benchmarks" / "tabular_band_refit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dev_files() -> tuple[list[str], list[str], list[str]]:
    """The three file lists of ``tabular_s48a/dev.sh.txt`` (ALL, TREES, NETS)."""
    text = (DATA / "tabular_s48a" / "dev.sh.txt").read_text().replace("\\\n", " ")
    lists = {}
    for name in ("ALL", "TREES", "NETS"):
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{name}="))
        words = line.split("=", 1)[1].strip('"').split()
        lists[name] = [w.replace("$B", str(DATA)).replace("$S", str(DATA / "tabular_s48a"))
                       for w in words]
    return lists["ALL"], lists["TREES"], lists["NETS"]


def _rows(n_zoos: int = 3, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for z in range(n_zoos):
        for i in range(8):
            bd = i % 2 == 1
            feats = {f: float(rng.normal(1.0 if bd else 0.0, 0.5) + 2.0)
                     for f in ("tab_box", "tab_box_over", "tab_mass", "tab_major_recur_lead",
                               "tab_gap", "tab_mass_group", "tab_major_recur")}  # the last
            # two: read by the band entries shipped since stop 60
            rows.append({"zoo": f"tab-fresh{40 + z}", "name": f"m{i}", "backdoored": bd,
                         "target": 1 if bd else None, "table": "t", "arch": "xgboost",
                         "base_family": "tree:xgboost", "features": feats, "size": 200,
                         "draw": 0, "predicted_target": 1})
    return rows


def test_dedupe_keeps_the_first_reading_of_a_draw(refit) -> None:
    a = {"zoo": "tab-fresh29", "name": "clean-000", "size": 200, "draw": 0,
         "base_family": "tree:xgboost", "probability": 0.1}
    b = {**a, "probability": 0.9}
    c = {**a, "draw": 1}
    out = refit.dedupe([a, b, c, {**a, "base_family": "network"}])
    assert out == [a, c]  # b repeats a's draw; a family not refitted here is dropped


def test_a_held_out_zoo_never_sees_its_own_labels(refit) -> None:
    rows = _rows()
    spec = {"tree:xgboost": FITS["tree:xgboost"]}
    p = np.array([r["probability"] for r in refit.held_rows(rows, spec)])
    flipped = [{**r, "backdoored": not r["backdoored"]} if r["zoo"] == "tab-fresh40" else r
               for r in rows]
    q = np.array([r["probability"] for r in refit.held_rows(flipped, spec)])
    held = [i for i, r in enumerate(rows) if r["zoo"] == "tab-fresh40"]
    other = [i for i, r in enumerate(rows) if r["zoo"] != "tab-fresh40"]
    assert np.allclose(p[held], q[held])
    assert not np.allclose(p[other], q[other])  # the other zoos did see those labels


def test_as_shipped_scores_with_the_shipped_band_entry(refit) -> None:
    rows = _rows()
    cal = load_calibrators()["tabular-search:tree:xgboost:rows200"]
    out = refit.held_rows(rows, {"tree:xgboost": refit.KEEP})
    assert [r["probability"] for r in out] == [cal.probability(r["features"]) for r in rows]
    assert all(r["family"] == "tree:xgboost:rows200" for r in out)


def test_candidate_differs_only_in_the_tree_band_entries() -> None:
    shipped = json.loads(STOP49.read_text())
    cand = json.loads(CAND.read_text())
    assert set(shipped) == set(cand)
    assert sorted(k for k in shipped if shipped[k] != cand[k]) == sorted(BANDS)
    # so every whole-split calibrator, and the networks' band entry, read the same
    a, b = load_calibrators(STOP49), load_calibrators(CAND)
    feats = {f: 0.4 for f in set(a["tabular-search:tree:xgboost"].features)
             | set(a[BANDS[0]].features) | set(b[BANDS[0]].features)}
    assert a["tabular-search:tree:xgboost"].probability(feats) == \
        b["tabular-search:tree:xgboost"].probability(feats)
    assert a[BANDS[0]].probability(feats) != b[BANDS[0]].probability(feats)


def test_candidate_entries_refit_from_the_committed_development_rows(refit, tmp_path) -> None:
    from tabular_size_calibrate import load

    all_, trees, nets = _dev_files()
    rows = refit.dedupe(load(all_) + [r for r in load(trees) if r["base_family"].startswith("tree")]
                        + [r for r in load(nets) if r["base_family"] == "network:twins"])
    assert max(refit.zoo_number(r["zoo"]) for r in rows) <= 30  # development zoos only
    out = tmp_path / "cal.json"
    out.write_text(SHIPPED.read_text())
    refit.write(rows, [f"{f}={d}" for f, d in FITS.items() if d != refit.KEEP], "rows200", out)
    got, want = json.loads(out.read_text()), json.loads(CAND.read_text())
    for key in BANDS:
        assert got[key]["features"] == want[key]["features"]
        assert np.allclose(got[key]["coef"], want[key]["coef"])
        assert got[key]["fitted_on"]["n_models"] == want[key]["fitted_on"]["n_models"]
