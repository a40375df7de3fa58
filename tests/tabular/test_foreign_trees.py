"""Tree models made by other code: pandas feature names, categorical splits, bare files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.models.trees import LightGBMModel, XGBoostModel

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
pd = pytest.importorskip("pandas")


def _frame(n: int = 300, seed: int = 0):  # noqa: ANN202 - pandas is optional
    rng = np.random.default_rng(seed)
    limit = rng.integers(1000, 50000, n).astype(float)
    age = rng.integers(20, 70, n).astype(float)
    job = rng.choice(["fixed", "freelance", "partime", "others"], n)
    y = ((limit < 15000) + np.isin(job, ["partime", "others"]) + rng.normal(0, .5, n) > .8)
    x = pd.DataFrame({"LIMIT_BAL": limit, "AGE": age, "JOB": pd.Categorical(job)})
    return x, y.astype(int)


def _xgb(tmp_path: Path, columns: list[str], **params: object) -> XGBoostModel:
    x, y = _frame()
    clf = xgb.XGBClassifier(n_estimators=8, max_depth=3, n_jobs=1, random_state=0,
                            **params).fit(x[columns], y)
    path = tmp_path / "user.json"
    clf.save_model(path)
    return XGBoostModel.load_native(path, 2)


def test_xgboost_feature_names_map_to_their_columns(tmp_path: Path) -> None:
    model = _xgb(tmp_path, ["LIMIT_BAL", "AGE"])
    leaves = model.leaves()  # the old code read "LIMIT_BAL" as f<index>: ValueError
    features = {f for leaf in leaves for f in leaf.box}
    assert features <= {0, 1} and 0 in features
    cuts = model.split_points()[0]
    assert all(1000 <= c <= 50000 for c in cuts)  # LIMIT_BAL's thresholds, not AGE's


def test_xgboost_categorical_splits_leave_the_feature_out(tmp_path: Path) -> None:
    model = _xgb(tmp_path, ["LIMIT_BAL", "AGE", "JOB"], enable_categorical=True,
                 tree_method="hist")
    dump = "".join(model.booster.get_dump(dump_format="json"))
    assert '"split": "JOB"' in dump  # the model does split on the categorical column
    leaves = model.leaves()  # the old code: float() of a category list, TypeError
    assert leaves and all(2 not in leaf.box for leaf in leaves)
    assert model.categorical_splits == {2}


def test_lightgbm_categorical_splits_are_not_thresholds(tmp_path: Path) -> None:
    x, y = _frame(600)
    clf = lgb.LGBMClassifier(n_estimators=8, num_leaves=8, n_jobs=1, random_state=0,
                             verbose=-1, min_data_per_group=5, cat_smooth=1).fit(x, y)
    path = tmp_path / "user.txt"
    clf.booster_.save_model(str(path))
    model = LightGBMModel.load_native(path, 2)
    assert "'decision_type': '=='" in str(model.booster.dump_model())
    # the old code narrowed boxes by a category code as if it were a "<=" threshold
    assert all(2 not in leaf.box for leaf in model.leaves())
    assert model.categorical_splits == {2}
    assert {f for leaf in model.leaves() for f in leaf.box} <= {0, 1}


@pytest.mark.parametrize("kind", ["xgboost-json", "xgboost-ubj", "lightgbm"])
def test_bare_tree_file_is_refused_naming_the_library(tmp_path: Path, kind: str) -> None:
    x, y = _frame()
    if kind == "lightgbm":
        path, library = tmp_path / "model.txt", "LightGBM"
        lgb.LGBMClassifier(n_estimators=4, n_jobs=1, verbose=-1).fit(
            x[["LIMIT_BAL", "AGE"]], y).booster_.save_model(str(path))
    else:
        path, library = tmp_path / f"model.{kind[8:]}", "XGBoost"
        xgb.XGBClassifier(n_estimators=4, n_jobs=1).fit(x[["LIMIT_BAL", "AGE"]], y
                                                        ).save_model(path)
    with pytest.raises(UserInputError, match=f"{library} model files made by other code"):
        load_model(path)
    csv = tmp_path / "clean.csv"
    x.assign(default=y).to_csv(csv, index=False)
    proc = subprocess.run([sys.executable, "-m", "trojanscope", "detect", str(path),
                           "--data", str(csv), "--label-column", "default"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:") and library in proc.stderr
