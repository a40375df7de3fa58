"""The scanner on tree-model files (XGBoost JSON/UBJ, LightGBM text) and a pickled sklearn model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trojanscope.scan import load_policy, scan_paths
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")


def scan_kind_and_rules(data: bytes, name: str) -> tuple[str, set[str]]:
    ctx = Ctx(load_policy(), name)
    kind = scan_bytes(ctx, data, name)
    return kind, {f.rule_id for f in ctx.findings}


@pytest.fixture(scope="module")
def tree_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("trees")
    rng = np.random.default_rng(0)
    x, y = rng.random((60, 3)), np.arange(60) % 2
    booster = xgb.train({"nthread": 1}, xgb.DMatrix(x, label=y), 3)
    booster.save_model(str(folder / "m.json"))
    booster.save_model(str(folder / "m.ubj"))
    lgb.train({"objective": "binary", "num_threads": 1, "verbosity": -1, "min_data_in_leaf": 5},
              lgb.Dataset(x, label=y), 3).save_model(str(folder / "m.txt"))
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize(("name", "kind"), [("m.json", "xgboost"), ("m.ubj", "xgboost"),
                                            ("m.txt", "lightgbm")])
def test_tree_files_are_recognised_and_clean(tree_files, name: str, kind: str) -> None:
    assert scan_kind_and_rules(tree_files[name], name) == (kind, set())


def test_inconsistent_tree_files_are_reported(tree_files) -> None:
    doc = json.loads(tree_files["m.json"])
    doc["learner"]["gradient_booster"]["model"]["trees"].pop()
    assert scan_kind_and_rules(json.dumps(doc).encode(), "m.json") == ("xgboost", {"TS340"})
    text = tree_files["m.txt"]
    cut = text[: text.index(b"end of trees")]
    assert scan_kind_and_rules(cut, "m.txt") == ("lightgbm", {"TS340"})
    assert scan_kind_and_rules(b'{"learner": [1, ', "m.json") == ("xgboost", {"TS340"})
    # a booster given as a string, or trees as a number: reported, never a scanner error
    # (TS999 blocks loading; review, stop 35)
    odd = b'{"learner": {"gradient_booster": "gbtree"}}'
    assert scan_kind_and_rules(odd, "booster_params.json") == ("xgboost", {"TS340"})
    odd = (b'{"learner": {"gradient_booster": {"model": {"gbtree_model_param": '
           b'{"num_trees": "1"}, "trees": 3}}}}')
    assert scan_kind_and_rules(odd, "m.json") == ("xgboost", {"TS340"})


def test_pickled_sklearn_model_is_walked_not_loaded(tmp_path: Path) -> None:
    joblib = pytest.importorskip("joblib")
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_iter=3).fit(np.random.rand(40, 3),
                                                           np.arange(40) % 2)
    path = tmp_path / "fraud-model.joblib"
    joblib.dump(model, path)
    report = scan_paths([path])
    subject = report.subjects[0]
    assert subject.kind == "joblib" and subject.status == "scanned"
    from trojanscope.report import Severity

    # scikit-learn and NumPy classes only: informational import findings, nothing worse
    assert report.findings and {f.rule_id for f in report.findings} == {"TS100"}
    assert max(f.severity for f in report.findings) == Severity.INFO
