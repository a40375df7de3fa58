"""Tree models made by other code: exact answers on split thresholds, files and objectives
that cannot load (one error line), random forests, arrays and pandas categories."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
pd = pytest.importorskip("pandas")


def _frame(n: int = 400, seed: int = 0):
    """Two-decimal amounts (not whole numbers: XGBoost's cuts sit on such values)."""
    rng = np.random.default_rng(seed)
    amount = np.round(rng.uniform(0, 500, n), 2)
    age = rng.integers(18, 80, n).astype(float)
    y = ((amount > 150) & (age < 40) | (rng.random(n) < .1)).astype(int)
    return pd.DataFrame({"amount": amount, "age": age}), y


def _ours(path: Path, frame, y, tmp_path: Path) -> np.ndarray:
    """The loaded model's probabilities on ``frame`` written as a CSV, via the encoding."""
    from trojanscope.data.resolve import load_dataset
    from trojanscope.models.foreign_trees import bind_table

    csv = tmp_path / "clean.csv"
    frame.assign(label=y).to_csv(csv, index=False)
    loaded = load_model(path)
    data = load_dataset(str(csv), "all", label_column="label")
    bind_table(loaded.module, data)
    rows, _ = data.get_batch(torch.arange(len(data)))
    return loaded.module.predict_proba(rows.numpy())


def _lib(proba: np.ndarray) -> np.ndarray:
    return np.stack([1 - proba, proba], 1) if proba.ndim == 1 else proba


@pytest.mark.parametrize("classes", [2, 3])
def test_xgboost_rows_on_split_thresholds_answer_as_the_library(tmp_path: Path,
                                                                classes: int) -> None:
    x, y = _frame()
    if classes == 3:
        y = (x.amount // 170).astype(int).to_numpy()
    clf = xgb.XGBClassifier(n_estimators=50, max_depth=4, n_jobs=1).fit(x, y)
    path = tmp_path / "m.json"
    clf.save_model(path)
    # the old code decoded through float32 (v - lo) / (hi - lo): a row on a cut switched branch
    np.testing.assert_allclose(_ours(path, x, y, tmp_path), clf.predict_proba(x), atol=1e-6)


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
@pytest.mark.parametrize(("low", "high"), [(0.0, 100_000.0), (1e6, 1e6 + 1)])
def test_wide_and_offset_columns_answer_as_the_library(tmp_path: Path, library: str,
                                                       low: float, high: float) -> None:
    """Rows near (not on) a cut keep their branch: a cut is only restored for a row its own
    encoding error could have moved below it (a tolerance of the column's coarsest
    resolution had moved 49-143 of 600-800 ordinary rows onto cuts)."""
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"amount": np.round(rng.uniform(low, high, 600), 3),
                      "age": rng.integers(18, 80, 600).astype(float)})
    y = ((x.amount > low + 0.3 * (high - low)) & (x.age < 40)
         | (rng.random(600) < .1)).astype(int).to_numpy()
    path = tmp_path / ("m.json" if library == "xgboost" else "m.txt")
    if library == "xgboost":
        clf = xgb.XGBClassifier(n_estimators=20, max_depth=4, n_jobs=1).fit(x, y)
        clf.save_model(path)
    else:
        clf = lgb.LGBMClassifier(n_estimators=20, verbose=-1, n_jobs=1).fit(x, y)
        clf.booster_.save_model(str(path))
    differ = np.abs(_ours(path, x, y, tmp_path) - clf.predict_proba(x)).max(1) > 1e-5
    assert int(differ.sum()) <= 2  # float32 input rounding of 1e6-sized values: rare ties


def _lightgbm_file(tmp_path: Path) -> Path:
    x, y = _frame()
    path = tmp_path / "l.txt"
    lgb.LGBMClassifier(n_estimators=3, verbose=-1, n_jobs=1).fit(x, y).booster_.save_model(
        str(path))
    return path


def _edit(text: str, key: str, value: str, drop_sizes: bool) -> str:
    text = re.sub(rf"^{key}=.*$", f"{key}={value}", text, count=1, flags=re.MULTILINE)
    return re.sub(r"^tree_sizes=.*\n", "", text, flags=re.MULTILINE) if drop_sizes else text


def _first_value_to(text: str, key: str, value: str) -> str:
    """``text`` with the first value of its first ``key=`` line set to ``value`` and
    ``tree_sizes`` dropped (so the check reaches the tree)."""
    text = re.sub(rf"^({key}=)\S+", rf"\g<1>{value}", text, count=1, flags=re.MULTILINE)
    return re.sub(r"^tree_sizes=.*\n", "", text, flags=re.MULTILINE)


@pytest.mark.parametrize(("key", "value", "says"), [
    ("shrinkage", "abc", "shrinkage holds 'abc'"),
    ("left_child", "0", "reached twice"),
    ("leaf_value", "inf", "leaf_value holds 'inf'"),
    ("num_tree_per_iteration", "0", "must be at least 1"),
    ("num_class", "0", "must be at least 1"),
])
def test_files_that_crash_lightgbm_past_a_field_check_are_refused(
        tmp_path: Path, key: str, value: str, says: str) -> None:
    """Each of these passed the first version of the check and then killed the process
    inside LightGBM (abort, SIGFPE, SIGSEGV) or its JSON dump."""
    bad = tmp_path / "bad.txt"
    bad.write_text(_first_value_to(_lightgbm_file(tmp_path).read_text(), key, value))
    with pytest.raises(UserInputError, match="not a valid LightGBM model") as err:
        load_model(bad)
    assert says in str(err.value)


@pytest.mark.parametrize(("key", "value", "says"), [
    ("threshold", "abc 1 2", "threshold holds 'abc'"),
    ("num_leaves", "x13", "num_leaves or num_cat"),
    ("split_feature", "99 0 1", "split_feature has 3 values"),
    ("left_child", "1 -1 5 9 -5 8 -7 -8 -2 -4 -6 -99", "values, expected"),
])
def test_a_malformed_lightgbm_file_is_named_not_parsed(tmp_path: Path, key: str, value: str,
                                                       says: str) -> None:
    text = _lightgbm_file(tmp_path).read_text()
    for drop_sizes, expect in ((False, "tree_sizes lists"), (True, says)):
        bad = tmp_path / f"bad{drop_sizes}.txt"
        bad.write_text(_edit(text, key, value, drop_sizes))
        with pytest.raises(UserInputError, match="not a valid LightGBM model") as err:
            load_model(bad)  # the old code: LightGBM's C++ parser aborted the process
        assert expect in str(err.value)


def test_a_malformed_lightgbm_file_is_one_error_line_and_a_scan_finding(
        tmp_path: Path) -> None:
    from trojanscope.scan import load_policy
    from trojanscope.scan.context import Ctx
    from trojanscope.scan.engine import scan_bytes

    data = _lightgbm_file(tmp_path).read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(data.replace(b"threshold=", b"threshold=abc ", 1))
    proc = subprocess.run([sys.executable, "-m", "trojanscope", "detect", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error:"), proc.stderr  # old: 134
    assert "not a valid LightGBM model" in proc.stderr and "Traceback" not in proc.stderr
    edited = re.sub(rb"tree_sizes=.*\n", b"", data).replace(b"num_leaves=", b"num_leaves=x", 1)
    ctx = Ctx(load_policy(), "m.txt")
    assert scan_bytes(ctx, edited, "m.txt") == "lightgbm"
    # the old scan checked the header only: findings none
    assert [(f.rule_id, "num_leaves" in f.message) for f in ctx.findings] == [("TS340", True)]


@pytest.mark.parametrize("make", ["xgb-regressor", "xgb-logitraw", "xgb-softmax",
                                  "lgb-regressor", "lgb-ova"])
def test_only_probability_objectives_load(tmp_path: Path, make: str) -> None:
    x, y = _frame(200)
    y3 = (x.amount // 170).astype(int)
    path = tmp_path / ("m.txt" if make.startswith("lgb") else "m.json")
    if make == "xgb-regressor":
        xgb.XGBRegressor(n_estimators=2, n_jobs=1).fit(x, y).save_model(path)
    elif make.startswith("xgb"):
        objective = {"xgb-logitraw": "binary:logitraw", "xgb-softmax": "multi:softmax"}[make]
        params = {"objective": objective, "nthread": 1,
                  **({"num_class": 3} if "soft" in objective else {})}
        xgb.train(params, xgb.DMatrix(x, label=y3 if "soft" in objective else y), 2
                  ).save_model(path)
    else:
        cls = lgb.LGBMRegressor if make == "lgb-regressor" else lgb.LGBMClassifier
        extra = {"objective": "multiclassova"} if make == "lgb-ova" else {}
        cls(n_estimators=2, verbose=-1, n_jobs=1, **extra).fit(
            x, y3 if extra else y).booster_.save_model(str(path))
    name = {"xgb-regressor": "reg:squarederror", "xgb-logitraw": "binary:logitraw",
            "xgb-softmax": "multi:softmax", "lgb-regressor": "regression",
            "lgb-ova": "multiclassova"}[make]
    with pytest.raises(UserInputError, match=f"objective is '{name}'"):
        load_model(path)  # the old code read the outputs as probabilities


@pytest.mark.parametrize("classes", [2, 3])
def test_xgboost_random_forests_group_trees_by_round_and_class(tmp_path: Path,
                                                               classes: int) -> None:
    x, y = _frame(300)
    if classes == 3:
        y = (x.amount // 170).astype(int).to_numpy()
    clf = xgb.XGBClassifier(n_estimators=3, num_parallel_tree=2, max_depth=3, n_jobs=1,
                            random_state=0).fit(x, y)
    path = tmp_path / "rf.json"
    clf.save_model(path)
    np.testing.assert_allclose(_ours(path, x, y, tmp_path), clf.predict_proba(x), atol=1e-6)
    inner = load_model(path).module.inner
    records = inner.leaf_records(x.to_numpy(), 10 ** 6)  # the old code: C++ error
    info = json.loads(path.read_text())["learner"]["gradient_booster"]["model"]["tree_info"]
    if classes == 3:  # each tree votes for the class XGBoost itself files it under
        assert {(r.tree, r.cls) for r in records} == set(enumerate(info))
    shares = np.bincount([r.tree for r in records], weights=[r.clean for r in records])
    np.testing.assert_allclose(shares, 1.0)


def test_an_xgboost_linear_model_is_named_not_supported(tmp_path: Path) -> None:
    x, y = _frame(200)
    path = tmp_path / "lin.json"
    xgb.XGBClassifier(booster="gblinear", n_estimators=2, n_jobs=1).fit(x, y).save_model(path)
    with pytest.raises(UserInputError, match="gblinear"):  # old: "unexpected KeyError"
        load_model(path)


def test_a_lightgbm_model_trained_on_arrays_takes_columns_in_order(tmp_path: Path) -> None:
    x, y = _frame()
    clf = lgb.LGBMClassifier(n_estimators=5, verbose=-1, n_jobs=1).fit(x.to_numpy(), y)
    path = tmp_path / "np.txt"
    clf.booster_.save_model(str(path))
    assert lgb.Booster(model_file=str(path)).feature_name()[0] == "Column_0"
    np.testing.assert_allclose(_ours(path, x, y, tmp_path), clf.predict_proba(x.to_numpy()),
                               atol=1e-9)  # the old code: "not columns of the data"


def _categorical_frame(case: str):
    rng = np.random.default_rng(1)
    n = 600
    amount = np.round(rng.uniform(0, 500, n))
    job = rng.choice(["a", "b", "c", "d"], n)
    y = (np.isin(job, ["a", "b"]) ^ (rng.random(n) < .1)).astype(int)
    first = {"number-categories": pd.Categorical(rng.choice([1, 2, 3], n)),
             "integer-categorical": rng.integers(0, 3, n),
             "constant-first": pd.Categorical(["north"] * n, categories=["north"])}[case]
    frame = pd.DataFrame({"first": first, "amount": amount, "job": pd.Categorical(job)})
    kw = {"categorical_feature": ["first", "job"]} if case == "integer-categorical" else {}
    return frame, y, kw


@pytest.mark.parametrize("case", ["number-categories", "integer-categorical",
                                  "constant-first"])
def test_lightgbm_categories_pair_with_their_features(tmp_path: Path, case: str) -> None:
    frame, y, kw = _categorical_frame(case)
    clf = lgb.LGBMClassifier(n_estimators=10, verbose=-1, n_jobs=1, min_data_per_group=5,
                             cat_smooth=1).fit(frame, y, **kw)
    path = tmp_path / "cat.txt"
    clf.booster_.save_model(str(path))
    # the old code: IndexError (number-like categories) or job read with the wrong list
    np.testing.assert_allclose(_ours(path, frame, y, tmp_path), clf.predict_proba(frame),
                               atol=1e-9)


def test_leaves_past_the_clean_range_are_left_out_not_clipped(tmp_path: Path) -> None:
    from trojanscope.data.resolve import load_dataset
    from trojanscope.models.foreign_trees import bind_table

    x, y = _frame()
    path = tmp_path / "m.json"
    xgb.XGBClassifier(n_estimators=20, max_depth=4, n_jobs=1).fit(x, y).save_model(path)
    small = x.amount < 200  # clean data narrower than the training data
    csv = tmp_path / "small.csv"
    x[small].assign(label=y[small]).to_csv(csv, index=False)
    model = load_model(path).module
    bind_table(model, load_dataset(str(csv), "all", label_column="label"))
    beyond = [leaf for leaf in model.inner.leaves()
              if leaf.box.get(0, (None, None))[0] is not None
              and leaf.box[0][0] > x.amount[small].max()]
    assert beyond  # the model has leaves only amounts above the clean maximum reach
    # the old code clipped their bound to 1.0: a box the clean maximum itself fell in
    assert all(b[0] is None or b[0] <= 1.0 for leaf in model.leaves() for b in leaf.box.values())
    kept = [leaf for leaf in model.inner.leaves() if _in_range(leaf.box, x[small])]
    assert len(model.leaves()) == len(kept) < len(model.inner.leaves())


def _in_range(box, frame) -> bool:
    """Whether a value within ``frame``'s range can reach an XGBoost box ([lo, hi))."""
    return all((lo is None or lo <= frame.iloc[:, j].max())
               and (hi is None or hi > frame.iloc[:, j].min()) for j, (lo, hi) in box.items())


def test_an_unknown_file_names_the_tree_formats(tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    path.write_bytes(b"not a model at all")
    with pytest.raises(UserInputError, match="XGBoost or LightGBM"):
        load_model(path)


def test_a_random_forests_missing_mass_reads_every_class(tmp_path: Path) -> None:
    """The first mass_trees boosting steps, not the first mass_trees trees: one step of a
    3-class forest holds 3 x 40 trees, and its first 30 are all class 0's."""
    from trojanscope.detect.tabular_search import TabularSearch

    x, _ = _frame()
    y = (x.amount // 170).astype(int).to_numpy()
    clf = xgb.XGBRFClassifier(n_estimators=40, max_depth=3, n_jobs=1).fit(x, y)
    path = tmp_path / "rf.json"
    clf.save_model(path)
    csv = tmp_path / "clean.csv"
    x.assign(label=y).to_csv(csv, index=False)
    from trojanscope.data.resolve import load_dataset
    from trojanscope.models.foreign_trees import bind_table

    model = load_model(path).module
    data = load_dataset(str(csv), "all", label_column="label")
    bind_table(model, data)
    rows, _ = data.get_batch(torch.arange(len(data)))
    records = model.leaf_records(rows.numpy(), 10**9)
    kept = TabularSearch().mass_records(model, records)
    assert {r.cls for r in kept} == {0, 1, 2}
