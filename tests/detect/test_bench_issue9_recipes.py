"""Issue 9's eighth round: ``benchmarks/foreign_zoo.py --recipes`` (the blind-spot recipes) and
``benchmarks/scale_free.py``'s candidate features."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from torch import nn

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"




def test_recipes_population_draws_the_blind_spot_recipes(load_benchmark) -> None:
    zoo = load_benchmark("foreign_zoo")
    rows = zoo.plan(10, 15, recipes=True)
    assert len(rows) == sum(zoo.RECIPES_ARCH.values()) == 26
    assert {r["trigger_family"] for r in rows if r["backdoored"]} == set(zoo.RECIPES_TRIGGERS)
    recipes = [r["recipe"] for r in rows]
    assert {r["label_smoothing"] for r in recipes} <= {0.0, 0.1, 0.15, 0.2}
    assert sum(r["optim"] == "sgd" for r in recipes) >= len(rows) // 3
    assert sum(r["schedule"] == "cosine" for r in recipes) >= len(rows) // 3
    model, details = zoo.build("relu_mlp", np.random.default_rng(0))
    assert details == {"activation": "ReLU"}
    assert not any(isinstance(m, nn.Tanh) for m in model.modules())


def test_counts_replace_the_population_families_and_keep_its_recipes(
    capsys, load_benchmark
) -> None:
    """Stop 36: ``--counts`` sizes a ``--recipes`` population rich in MLPs, in the given order."""
    zoo = load_benchmark("foreign_zoo")
    counts = zoo.parse_counts("relu_mlp=6,mlp=2,relu_cnn=2")
    rows = zoo.plan(10, 99, recipes=True, counts=counts)
    assert [r["arch_family"] for r in rows] == ["relu_mlp"] * 6 + ["mlp"] * 2 + ["relu_cnn"] * 2
    assert sum(r["backdoored"] for r in rows) == 5
    assert all("schedule" in r["recipe"] for r in rows)  # the --recipes recipes
    assert {r["trigger_family"] for r in rows if r["backdoored"]} <= set(zoo.RECIPES_TRIGGERS)
    assert zoo.plan(10, 99, recipes=True) != rows
    for bad in ("relu_mlp", "nope=3", "mlp=0", "mlp=2,mlp=3", "mlp=x"):
        with pytest.raises(ValueError, match="--counts"):
            zoo.parse_counts(bad)


def test_a_test_draw_reads_the_gaps_of_another_seed(monkeypatch, load_benchmark) -> None:
    """Stop 36: ``generalise_lofo.py --test-draw S`` scores the fresh rows with the empty-pixel
    gaps a user's ``--seed S`` reads (draw S; the mean of draws S..S+4), not seed 0's."""
    lofo = load_benchmark("generalise_lofo")
    monkeypatch.syspath_prepend(str(BENCH))  # it reads raise_gap_aggregate's windows
    gaps = {str(s): 0.01 * s for s in range(9)} | {"3": 0.27}
    row = {"gap_draws": {"empty": gaps, "pixels": {"0": 0.01}}}
    assert lofo.read_draw_gaps(row) == {}
    read = lofo.read_draw_gaps({**row, "read_draw": 3})
    assert read["empty_share_gap"] == pytest.approx(0.27)
    assert read["empty_share_gap_r5"] == pytest.approx((0.27 + 0.04 + 0.05 + 0.06 + 0.07) / 5)
    assert "empty_share_gap_r5" not in lofo.read_draw_gaps({**row, "read_draw": 5})
    with pytest.raises(KeyError):
        lofo.read_draw_gaps({**row, "read_draw": 9})


def test_a_test_draw_some_rows_lack_stops_before_fitting(tmp_path: Path, monkeypatch,
                                                         capsys, load_benchmark) -> None:
    """``--test-draw S`` with S < 0, or a --test-rows model without draw S: one line, exit 2,
    before the pool is read or anything fitted (not a KeyError's traceback at the end)."""
    lofo = load_benchmark("generalise_lofo")
    fresh = tmp_path / "fresh.json"
    fresh.write_text(json.dumps([
        {"name": "a", "gap_draws": {"empty": {"0": 0.1, "3": 0.2}}},
        {"name": "b", "gap_draws": {"empty": {"0": 0.1}}}]))
    assert lofo.test_draw_problem(json.loads(fresh.read_text())[:1], 3) is None
    for s, said in (("3", "1 of 2 --test-rows models lack draw 3"), ("-1", "must be >= 0")):
        monkeypatch.setattr(sys, "argv", ["generalise_lofo.py", "--rows",
                                          str(tmp_path / "absent.json"), "--test-rows",
                                          str(fresh), "--test-draw", s])
        with pytest.raises(SystemExit) as exit_:
            lofo.main()
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and said in err and err.count("\n") == 1, err


def test_holdout3_plan_unchanged_by_the_recipes_mode(load_benchmark) -> None:
    """The committed zoo-holdout3 rows carry the recipes the plan draws (seed 13)."""
    zoo = load_benchmark("foreign_zoo")
    committed = json.loads(gzip.decompress(
        (BENCH / "data/issue9_rows/holdout3_rows_pool.json.gz").read_bytes()))
    planned = {r["name"]: r["recipe"] for r in zoo.plan(10, 13, holdout3=True)}
    assert len(committed) == 28
    for row in committed:
        assert {**row["train_recipe"]} == {"optim": "adam", "label_smoothing": 0.0,
                                           **planned[row["name"]]}


def test_scale_free_features_ignore_the_logit_scale(load_benchmark) -> None:
    sf = load_benchmark("scale_free")
    rng = np.random.default_rng(0)
    hits = rng.random((10, 40))
    row = {"margin": list(rng.random(10) * 5), "mean_margin": list(rng.random(10) * 3),
           "margin5": list(rng.random(10)), "logit_std": 2.0,
           "probe": {"eps50": list(rng.random(10)), "ts_norms": list(rng.random(10) * 50),
                     "uap_hits": hits.tolist()}}
    scaled = {**row, "margin": [3 * v for v in row["margin"]],
              "mean_margin": [3 * v for v in row["mean_margin"]],
              "margin5": [3 * v for v in row["margin5"]], "logit_std": 6.0}
    a, b = sf.scale_free_features(row), sf.scale_free_features(scaled)
    assert a.keys() == b.keys() and "sf_share_top" in a and "sf_rank_consensus" in a
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), key
    assert a["sf_share_top"] == pytest.approx(float(hits.mean(1).max()))


def _scores(p_clean: list[float], p_bad: list[float], ce: float) -> dict:
    """A ``generalise_lofo.py`` fresh-test entry: one family (all models) and the overall."""
    n_bad = len(p_bad)
    fam = {"roc_auc": 0.9, "cross_entropy": ce, "n": n_bad + len(p_clean), "n_backdoored": n_bad}
    per = {f"z/c{i}": p for i, p in enumerate(p_clean)} | {
        f"z/b{i}": p for i, p in enumerate(p_bad)
    }
    return {"all": dict(fam), "arch: relu": dict(fam), "per_model": per}


def test_eighth_rule_needs_an_improvement(load_benchmark) -> None:
    """The eighth round's rule (written before seed 17): a candidate equal to the baseline
    passes the no-regression points but fails point 3; 0.02 lower cross-entropy passes."""
    sc = load_benchmark("ship_criterion")
    rows = [
        {"zoo": "z", "name": f"c{i}", "backdoored": False, "_out": True, "logit_std": 2.0}
        for i in range(3)
    ]
    rows += [
        {"zoo": "z", "name": f"b{i}", "backdoored": True, "_out": True, "logit_std": 2.0}
        for i in range(3)
    ]
    base = _scores([0.1, 0.2, 0.6], [0.9, 0.8, 0.3], 0.40)
    same = sc.check_eighth({"b": base, "c": base}, rows, "b", "c", 4.31)
    verdict = {p: h for p, h, _ in same}
    assert verdict["3 improvement"] is False
    assert all(h for p, h in verdict.items() if p != "3 improvement" and h is not None)
    better = _scores([0.1, 0.2, 0.6], [0.9, 0.8, 0.3], 0.38)
    gain = {p: h for p, h, _ in sc.check_eighth({"b": base, "c": better}, rows, "b", "c", 4.31)}
    assert gain["3 improvement"] is True
    worse = _scores([0.3, 0.4, 0.6], [0.9, 0.8, 0.3], 0.38)  # clean models up by +0.133
    hurt = {p: h for p, h, _ in sc.check_eighth({"b": base, "c": worse}, rows, "b", "c", 4.31)}
    assert hurt["4 clean mean shift"] is False


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_the_raise_only_term_never_raises_a_clean_fitting_model(load_benchmark) -> None:
    """``generalise_lofo.fit_hinge`` (stop 32): the start is not below any clean model's gap,
    so the clean fitting models keep their probabilities; the term never lowers one."""
    lofo = load_benchmark("generalise_lofo")
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.3, 0.2, 0.1, 0.2, 0.9, 0.4])
    gap = np.array([0.05, 0.13, 0.02, 0.5, 0.3, 0.1])
    slope, start = lofo.fit_hinge(p, gap, y)
    assert start >= 0.13 and slope > 0
    q = lofo.hinge(p, gap, slope, start)
    assert q[:3] == pytest.approx(p[:3]) and (q >= p - 1e-12).all()
    assert q[3] > 0.9  # the backdoored model with the largest gap is raised


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_the_five_draw_average_reads_whole_windows_and_sets_the_floor(load_benchmark) -> None:
    """``raise_gap_aggregate.aggregates`` (stop 34): outer seed s is the mean of draws s..s+4,
    only where all five were read; ``fit_hinge``'s ``floor`` keeps the start above it."""
    agg = load_benchmark("raise_gap_aggregate")
    draws = {s: 0.1 * (s + 1) for s in range(6)}  # 0.1 .. 0.6
    assert agg.aggregates(draws) == pytest.approx({0: 0.3, 1: 0.4})
    assert agg.aggregates({0: 0.5, 1: 0.5, 2: 0.5, 4: 0.5, 5: 0.5}) == {}
    lofo = load_benchmark("generalise_lofo")
    y = np.array([0, 0, 1, 1])
    p = np.array([0.2, 0.1, 0.2, 0.3])
    gap = np.array([0.05, 0.10, 0.5, 0.3])
    assert lofo.fit_hinge(p, gap, y)[1] == pytest.approx(0.10)
    assert lofo.fit_hinge(p, gap, y, floor=0.215)[1] == pytest.approx(0.22)


def test_a_fixed_raise_term_ships_as_the_rule_fixed_it(
    tmp_path: Path, monkeypatch, load_benchmark
) -> None:
    """``generalise_lofo.ship_raise`` with ``aggpixfix:`` (stop 34b): the term keeps the rule's
    slope 60 and start 0.14 whatever the pool's gaps, and reads the plain ``pixel_share_gap``
    (``auto`` records the mean over its draws under that name), not the rows' ``_r5`` column."""
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    lofo = load_benchmark("generalise_lofo")
    path = tmp_path / "calibration.json"
    save_calibrators(load_calibrators(), path)
    pool = [
        {"zoo": "z", "name": f"m{i}", "backdoored": bool(i % 2), "traits": ["layer:conv"]}
        for i in range(4)
    ]
    for i, row in enumerate(pool):  # a pool a fitted term would start at 0.30 on
        monkeypatch.setitem(
            lofo._FEATURES, ("z", row["name"]), {"pixel_share_gap_r5": 0.5 if i % 2 else 0.3}
        )
    lofo.ship_raise(pool, "aggpixfix: as shipped + raise", path)
    term = load_calibrators(path)["auto:raise:pixels"]
    assert term.features == ["pixel_share_gap"]
    assert list(term.coef) == [60.0] and term.intercept == pytest.approx(-8.4)
    assert term.fitted_on["start"] == 0.14 and term.fitted_on["n_models"] == 4
    assert term.fitted_on["design"] == "aggpixfix: as shipped + raise"


def test_a_split_term_gives_models_without_a_convolution_their_own_start(
    tmp_path: Path, monkeypatch, load_benchmark
) -> None:
    """``aggsplit:`` (stop 35): the five-draw empty-pixel term starts at 0.17 for a model with
    a convolution and 0.24 for one without, in the scoring (``predict``) and as shipped
    (``first_layer_dense`` lowers the score by 60 · 0.07)."""
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    lofo = load_benchmark("generalise_lofo")
    rows = [
        {"zoo": "z", "name": f"m{i}", "backdoored": False, "probability": 0.1, "traits": t}
        for i, t in enumerate([["layer:conv"], ["activation:relu"]])
    ]
    for row in rows:  # both between the two starts
        monkeypatch.setitem(lofo._FEATURES, ("z", row["name"]), {"empty_share_gap_r5": 0.2})
    monkeypatch.setattr(lofo, "covered", lambda r, recipe=False: True)
    assert lofo.fixed_starts("aggsplit: ", rows).tolist() == [0.17, 0.24]
    assert lofo.fixed_starts("aggfix: ", rows).tolist() == [0.24, 0.24]
    p = lofo.predict(rows, rows, "aggsplit: as shipped")
    assert p[0] == pytest.approx(lofo.hinge(np.array([0.1]), np.array([0.2]), 60.0, 0.17)[0])
    assert p[1] == pytest.approx(0.1)  # the model without a convolution is not raised
    path = tmp_path / "calibration.json"
    save_calibrators(load_calibrators(), path)
    lofo.ship_raise(rows, "aggsplit: as shipped", path)
    term = load_calibrators(path)["auto:raise"]
    assert term.features == ["empty_share_gap", "first_layer_dense"]
    assert list(term.coef) == pytest.approx([60.0, -4.2])
    assert term.intercept == pytest.approx(-10.2)
    assert term.fitted_on["start_dense"] == 0.24
    assert term.logit({"empty_share_gap": 0.2, "first_layer_dense": 1.0}) < 0
    assert term.logit({"empty_share_gap": 0.2, "first_layer_dense": 0.0}) > 0


def test_the_clean_check_reads_the_dense_start_for_models_without_a_convolution(
    capsys, load_benchmark
) -> None:
    """``raise_gap_aggregate.clean_check`` with ``dense`` (stop 35): a clean MLP whose
    five-draw mean lies between the two starts is not counted as raised, a CNN's is."""
    agg = load_benchmark("raise_gap_aggregate")
    draws = {s: 0.2 for s in range(9)}
    rows = [
        {"zoo": "z", "name": n, "backdoored": False, "traits": t, "gap_draws": {"empty": draws}}
        for n, t in (("cnn", ["layer:conv"]), ("mlp", []))
    ]
    agg.clean_check(rows, {"empty": 0.17}, {}, 5, {"empty": 0.24})
    out = capsys.readouterr().out
    assert "0.24 without a convolution" in out and ": 1 ['z/cnn (0.200)']" in out
    agg.clean_check(rows, {"empty": 0.17}, {}, 5)
    assert ": 2 [" in capsys.readouterr().out
