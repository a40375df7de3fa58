"""Issue 16 stop 80 (h16): the file effect on clean LightGBM 200-row readings against a
reference read on the same file (``benchmarks/tabular_s80_h16_heat.py``) and the heat shift
held out by zoo (``benchmarks/tabular_s80_h16_held.py``). The expected deficit is the binomial
mean of the detector's deficit; a file that misses a model's large leaves reads hot and poison-
sized leaves do not count; the file effect is read per model across its files; a shift that
takes a backdoored model under 0.5 on every file loses it."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from tabular_s80_h16_heat import effects, expected_deficit, file_heat, residuals  # noqa: E402
from tabular_s80_h16_held import candidate, lost, summary  # noqa: E402
from trojanscope.detect.tree_mass import deficit  # noqa: E402


class Leaves:
    """A model stand-in: its leaf records (training share ``train``, the file's share of rows
    ``clean`` = the rows of ``x`` whose first column equals the leaf's index)."""

    def __init__(self, shares: list[float]) -> None:
        self.shares = shares

    def leaf_records(self, x: np.ndarray, trees: int) -> list[SimpleNamespace]:
        return [SimpleNamespace(tree=0, cls=k % 2, strength=1.0, train=q,
                                clean=float(np.mean(x[:, 0] == k)))
                for k, q in enumerate(self.shares)]


def test_expected_deficit_is_the_binomial_mean_of_the_deficit() -> None:
    rng = np.random.default_rng(0)
    n, q = 200, 0.08
    mc = float(np.mean([deficit(q, k / n, n) for k in rng.binomial(n, q, size=20_000)]))
    assert expected_deficit(q, n) == pytest.approx(mc, rel=0.05)
    assert expected_deficit(0.0, n) == 0.0


def test_a_file_missing_large_leaves_reads_hot_and_small_leaves_do_not_count() -> None:
    shares = [0.3, 0.3, 0.2, 0.18, 0.01, 0.01]  # two poison-sized leaves at the end
    model = Leaves(shares)
    rng = np.random.default_rng(1)
    typical = [file_heat(model, rng.choice(6, size=(200, 1), p=shares))["heat_big"]
               for _ in range(200)]
    assert abs(float(np.median(typical))) < 0.7
    # the file drawn away from leaf 0 (half as often) and leaves 2-3 alike
    cold = rng.choice(6, size=(200, 1), p=[0.15, 0.4, 0.1, 0.09, 0.13, 0.13])
    assert file_heat(model, cold)["heat_big"] > np.quantile(typical, 0.95)
    # a file that misses only the small leaves: every heat over all leaves moves, heat_big not
    x = rng.choice(4, size=(200, 1), p=np.array(shares[:4]) / sum(shares[:4]))
    with_small = file_heat(model, x)
    without = file_heat(Leaves(shares[:4]), x)
    assert with_small["heat_big"] == without["heat_big"]
    assert with_small["heat_all"] > without["heat_all"]


def _row(zoo: str, name: str, draw: int, p: float, ref: float, bd: bool = False) -> dict:
    return {"zoo": zoo, "name": name, "draw": draw, "probability": p, "L": np.log(p / (1 - p)),
            "ref": ref, "backdoored": bd}


def test_the_file_effect_is_read_per_model_across_its_files() -> None:
    # two models of different levels; file 2 hot for both; the reference follows the file
    rows = [_row("z", m, d, p, ref) for m, base in (("a", 0.2), ("b", 0.6))
            for d, (p, ref) in {1: (base, 0.0), 2: (base + 0.2, 1.0), 3: (base - 0.1, -0.5)}
            .items()]
    residuals(rows, ("L", "ref"))
    # each model's own level is taken out: both models' residuals sum to 0 over their files
    for m in ("a", "b"):
        assert sum(r["L_res"] for r in rows if r["name"] == m) == pytest.approx(0.0, abs=1e-12)
    text = effects(rows, "ref")
    per_reading = float(re.search(r"clean \(6\): Pearson\(logit residual, ref residual\) "
                                  r"(-?[\d.]+)", text).group(1))
    per_file = float(re.search(r"per file \(3\): clean effect against ref of the clean models "
                               r"Pearson (-?[\d.]+)", text).group(1))
    assert per_reading > 0.8 and per_file > 0.8
    # a reference that runs against the file reads negative
    for r in rows:
        r["ref"] = -r["ref"]
    residuals(rows, ("L", "ref"))
    assert "ref residual) -0.99" in effects(rows, "ref")


def test_a_shift_that_takes_a_model_under_on_every_file_loses_it() -> None:
    today = [_row("z", "bd", d, p, 0.0, True) for d, p in ((1, 0.55), (2, 0.3))] + \
        [_row("z", "c", 1, 0.6, 0.0)]
    shifted = [{**r, "probability": r["probability"] - 0.1} for r in today]
    d, c = summary(today), summary(shifted)
    assert lost(d, c) == ["z/bd"]
    assert (d["clean"], c["clean"]) == (1, 1)
    kept = summary([{**r, "probability": r["probability"] + 0.1} for r in today])
    assert lost(d, kept) == []


def test_the_candidate_file_adds_the_heat_to_lightgbms_band_entry_only() -> None:
    shipped = ROOT / "src/trojanscope/detect/calibration.json"
    cal = candidate(shipped, 1.5)
    entry = cal["tabular-search:tree:lightgbm:rows200"]
    assert entry["features"][-1] == "tab_heat_big" and entry["coef"][-1] == -1.5
    assert (entry["mean"][-1], entry["scale"][-1]) == (0.0, 1.0)
    before = json.loads(shipped.read_text())
    assert {k for k in cal if cal[k] != before[k]} == {"tabular-search:tree:lightgbm:rows200"}


def test_g80_shifts_lightgbm_band_readings_of_credit_like_files_only() -> None:
    from tabular_s80_h16_rule import BETA, H0, group_heat, shifted

    def reading(family: str, share: float, group: float, rel: float) -> dict:
        return {"family": family, "probability": 0.5,
                "features": {"tab_minor_share": share, "tab_major_group": group,
                             "tab_major_group_rel": rel}}
    # mean group deficit e^(-0.664) exactly: h = H0, no shift
    rel = float(np.log1p(np.expm1(2.0) / np.exp(H0)))
    assert group_heat(reading("x", 0, 2.0, rel)["features"]) == pytest.approx(H0)
    hot = reading("tree:lightgbm:rows200", 0.25, 2.0, 1.0)  # mean deficit above H0's
    cool = reading("tree:lightgbm:rows200", 0.25, 1.0, 2.0)
    fraud = reading("tree:lightgbm:rows200", 0.05, 2.0, 1.0)  # lending-club-like file
    xgb = reading("tree:xgboost:rows200", 0.25, 2.0, 1.0)
    out = shifted([hot, cool, fraud, xgb], BETA)
    assert out[0]["probability"] < 0.5 < out[1]["probability"]
    assert out[2]["probability"] == out[3]["probability"] == 0.5
