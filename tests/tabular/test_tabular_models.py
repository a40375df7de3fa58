"""Boosted trees behind the model interface: train, predict, save natively, load, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from trojanscope.data import load_dataset
from trojanscope.errors import UserInputError
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.io.models import load_model

TREES = {"xgboost": "model.xgboost.json", "lightgbm": "model.lightgbm.txt"}
SMALL = {"n_estimators": 20, "max_depth": 3}


@pytest.mark.parametrize(("arch", "file_name"), TREES.items())
def test_tree_trains_saves_natively_and_loads(
    arch: str, file_name: str, transactions: Path, tmp_path: Path
) -> None:
    result = run_experiment(transactions, arch=arch, arch_params=SMALL, seed=3,
                            data_params={"label_column": "is_fraud"})
    assert result.metrics["clean_accuracy"] > 0.7 and result.metrics["clean_auc"] > 0.75
    manifest = save_experiment(result, tmp_path / "run")
    assert set(manifest.files) == {file_name}  # no pickle, no safetensors
    saved = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert saved["tabular"]["label"] == "is_fraud" and saved["arch"]["name"] == arch
    loaded = load_model(tmp_path / "run")
    x = result.test.x
    assert torch.allclose(loaded.module(x), result.model(x), atol=1e-6)
    proba = loaded.module.predict_proba(x)
    assert proba.shape == (len(x), 2) and abs(proba.sum(1) - 1).max() < 1e-6
    # the same seed gives the same model
    again = run_experiment(transactions, arch=arch, arch_params=SMALL, seed=3,
                           data_params={"label_column": "is_fraud"})
    assert torch.equal(again.model(x), result.model(x))


def test_tree_refuses_wrong_feature_count(transactions: Path) -> None:
    result = run_experiment(transactions, arch="xgboost", arch_params=SMALL,
                            data_params={"label_column": "is_fraud"})
    with pytest.raises(UserInputError, match="takes 11 features, the data have 3"):
        result.model(torch.zeros(2, 3))


def test_tree_needs_tabular_input() -> None:
    with pytest.raises(UserInputError, match="tabular rows"):
        run_experiment("digits", arch="xgboost")


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lightgbm", None)  # import fails as if not installed
    with pytest.raises(UserInputError, match=r"pip install 'trojanscope\[tabular\]'"):
        run_experiment("credit-default", arch="lightgbm")


def test_mlp_trains_on_tables(transactions: Path) -> None:
    from trojanscope.engine.train import Trainer

    result = run_experiment(transactions, arch="mlp", trainer=Trainer(epochs=30, batch_size=32),
                            data_params={"label_column": "is_fraud"}, arch_params={"hidden": [32]})
    assert result.metrics["clean_auc"] > 0.75
    assert load_dataset(transactions, "test", label_column="is_fraud").x.ndim == 2
