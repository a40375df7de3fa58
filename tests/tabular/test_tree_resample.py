"""``tabular-search -p tree_resamples``: a tree's features averaged over bootstrap resamples
of the clean file (issue 16 stop 45), and the benchmarks that read it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from script_run import run_script
from trojanscope import registry
from trojanscope.detect.tree_resample import (
    bootstrap_rows,
    mean_features,
    median_features,
    subsample_rows,
)
from trojanscope.errors import UserInputError

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]


def test_a_resample_keeps_the_size_and_every_class_and_follows_the_seed(monkeypatch) -> None:
    y = np.array([0] * 195 + [1] * 5)
    a = bootstrap_rows(y, 2, seed=7, k=0, min_per_class=2)
    assert a is not None and len(a) == 200
    assert np.bincount(y[a], minlength=2).min() >= 2
    assert np.array_equal(a, bootstrap_rows(y, 2, seed=7, k=0, min_per_class=2))
    assert not np.array_equal(a, bootstrap_rows(y, 2, seed=7, k=1, min_per_class=2))
    assert len(np.unique(a)) < 200  # drawn with replacement
    # a class the file lacks is not asked for; no draw holding the minimum gives None
    assert bootstrap_rows(np.zeros(50, dtype=int), 3, 1, 0, 2) is not None
    monkeypatch.setattr("trojanscope.detect.tree_resample.MAX_TRIES", 0)
    assert bootstrap_rows(y, 2, seed=7, k=0, min_per_class=2) is None


def test_the_mean_is_per_feature_over_the_readings_that_hold_it() -> None:
    got = mean_features([{"a": 1.0, "b": 2.0}, {"a": 3.0}, {"a": 5.0, "b": 4.0, "c": 9.0}])
    assert got == {"a": 3.0, "b": 3.0}


@pytest.mark.parametrize("bad", [-1, 17, 1.5, "x", True])
def test_a_bad_resample_count_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match="tree_resamples"):
        registry.create("detector", "tabular-search", tree_resamples=bad)


def test_a_tree_is_read_on_resamples_and_a_network_is_not(searched) -> None:
    run, plain = searched("xgboost", 1)
    _, bagged = searched("xgboost", 1, tree_resamples=2)
    assert bagged.features["tab_resamples"] == 2.0
    assert "tab_resamples" not in plain.features
    assert bagged.target_classes == plain.target_classes  # the file's own order
    assert bagged.per_class[0].details == plain.per_class[0].details
    changed = [k for k in plain.features if bagged.features[k] != plain.features[k]]
    assert changed  # the resamples are read, not the file three times
    again = registry.create("detector", "tabular-search", tree_resamples=2).inspect(
        run.model, run.test, seed=0)
    assert again.features == bagged.features  # every random choice from the seed
    _, a = searched("mlp", 1, twins=0)
    _, b = searched("mlp", 1, twins=0, tree_resamples=2)
    assert a.features == b.features and "tab_resamples" not in b.features
    # asked for and not read: said in a note, not dropped silently (review of stop 45)
    assert [n for n in b.detector_notes if n not in a.detector_notes] == [
        "tree_resamples=2 not read: it averages a tree model's features over resamples of the "
        "clean file, and this is a network (read once, from the file)"]
    assert not any("tree_resamples" in n for n in plain.detector_notes + bagged.detector_notes)


def test_fewer_resamples_than_asked_are_said(searched, monkeypatch) -> None:
    """Where no draw keeps every class's minimum, the file's own reading stands and a note
    says how many resamples were read (review of stop 45)."""
    run, plain = searched("xgboost", 1)
    monkeypatch.setattr("trojanscope.detect.tree_resample.MAX_TRIES", 0)
    short = registry.create("detector", "tabular-search", tree_resamples=3).inspect(
        run.model, run.test, seed=0)
    assert short.features["tab_resamples"] == 0.0
    assert {k: v for k, v in short.features.items() if k != "tab_resamples"} == plain.features
    assert [n for n in short.detector_notes if n not in plain.detector_notes] == [
        "tree_resamples=3: 0 resample(s) read (no draw of the others kept at least 2 rows of "
        "each class the file holds at least 2 of)"]


def _row(zoo: str, name: str, arch: str, bd: bool, p: float, draw: int, target: int = 1,
         classes: dict | None = None) -> dict:
    return {"zoo": zoo, "name": name, "arch": arch, "backdoored": bd, "probability": p,
            "draw": draw, "target": target, "predicted_target": 1, "table": "credit-default",
            "elapsed_s": 1.0, "attack": "tabular-conjunction", "classes": classes or {}}


def _run(script: str, *args: str) -> str:
    return run_script(script, *args, check=True, cwd=ROOT).stdout


def test_the_steadiness_benchmark_reads_a_models_spread_across_files(tmp_path) -> None:
    rows = [_row("z", "clean-1", "xgboost", False, p, d) for d, p in enumerate((0.9, 0.1, 0.5))]
    rows += [_row("z", "bd-1", "xgboost", True, p, d) for d, p in enumerate((0.8, 0.7, 0.9))]
    f = tmp_path / "rows.json"
    f.write_text(json.dumps({"rows": rows}))
    out = _run("tabular_tree_steadiness.py", "--rows", "default", str(f))
    assert "clean: 1 models: range median 0.80 max 0.80" in out
    assert "backdoored: 1 models: range median 0.20 max 0.20" in out
    assert "clean flagged 2/3" in out  # p >= 0.5 is flagged


def test_the_target_order_benchmark_counts_each_order(tmp_path) -> None:
    # linear names 1 (0.6 > 0.5); the twins and the sum name 0 (the truth)
    c = {"0": {"excess": 0.5, "excess_vs_twins": 0.6}, "1": {"excess": 0.6, "excess_vs_twins": 0.1}}
    rows = [_row("z", "bd-1", "mlp", True, 0.9, 0, target=0, classes=c),
            _row("z", "bd-2", "mlp", True, 0.4, 0, target=0, classes=c)]  # not flagged
    f = tmp_path / "rows.json"
    f.write_text(json.dumps({"rows": rows}))
    out = _run("tabular_target_order.py", str(f), "--misses")
    assert "miss rows.json:z:d0 bd-1 target 0 named 1" in out
    assert out.strip().splitlines()[-1].split()[1:] == ["1", "0", "0%", "1", "100%", "1", "100%"]


def test_a_subsample_keeps_no_row_twice_and_every_class_and_follows_the_seed(
        monkeypatch) -> None:
    y = np.array([0] * 195 + [1] * 5)
    a = subsample_rows(y, 2, seed=7, k=0, rows=160, min_per_class=2)
    assert a is not None and len(a) == len(np.unique(a)) == 160
    assert np.bincount(y[a], minlength=2).min() >= 2
    assert np.array_equal(a, subsample_rows(y, 2, seed=7, k=0, rows=160, min_per_class=2))
    assert not np.array_equal(a, subsample_rows(y, 2, seed=7, k=1, rows=160, min_per_class=2))
    # two rows of a class the file holds twice cannot both land in 3 of 200: no subsample
    assert subsample_rows(np.array([0] * 198 + [1] * 2), 2, 7, 0, 3, 2) is None
    monkeypatch.setattr("trojanscope.detect.tree_resample.MAX_TRIES", 0)
    assert subsample_rows(y, 2, seed=7, k=0, rows=160, min_per_class=2) is None


def test_the_median_is_per_feature_over_the_readings_that_hold_it() -> None:
    got = median_features([{"a": 1.0, "b": 2.0}, {"a": 3.0}, {"a": 8.0, "b": 4.0, "c": 9.0}])
    assert got == {"a": 3.0, "b": 3.0}


@pytest.mark.parametrize(("name", "bad"), [("resample_share", 1.0), ("resample_share", -0.1),
                                           ("resample_share", "x"), ("resample_share", True),
                                           ("resample_stat", "mode")])
def test_a_bad_resample_share_or_stat_is_refused(name, bad) -> None:
    with pytest.raises(UserInputError, match=name):
        registry.create("detector", "tabular-search", **{name: bad})


@pytest.mark.parametrize("asked", [{"resample_share": 0.8}, {"resample_stat": "median"}])
def test_a_resample_option_without_resamples_is_refused_not_ignored(asked) -> None:
    with pytest.raises(UserInputError, match="tree_resamples > 0"):
        registry.create("detector", "tabular-search", **asked)
    registry.create("detector", "tabular-search", tree_resamples=2, **asked)  # with them: read


@pytest.mark.slow  # 34 s alone at load 14 (the fixture's run and readings); ~2 s after the others
def test_a_tree_is_read_on_subsamples_with_the_median(searched) -> None:
    _, plain = searched("xgboost", 1)
    _, boot = searched("xgboost", 1, tree_resamples=2)
    _, sub = searched("xgboost", 1, tree_resamples=2, resample_share=0.8,
                      resample_stat="median")
    assert sub.features["tab_resamples"] == 2.0
    assert sub.target_classes == plain.target_classes
    # subsamples (no row twice), not the bootstraps: other features; seeded as
    # test_a_subsample_keeps_no_row_twice_and_every_class_and_follows_the_seed checks
    assert any(sub.features[k] != boot.features[k] for k in plain.features)
