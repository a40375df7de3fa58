"""The registry contracts for the tabular components (the image contract tests skip them):
triggers are pure and deterministic, detectors keep their parameters and never change the
model, the data detector ranks a planted trigger group first."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.attacks.tabular import TabularBadNets
from trojanscope.data import load_dataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.data.inputs import materialize
from trojanscope.detect.data.run import detect_data
from trojanscope.experiment import run_experiment


def tabular(kind: str) -> list[str]:
    return [n for n in registry.names(kind)
            if getattr(registry.get(kind, n), "modality", "image") == "tabular"]


@pytest.fixture()
def table(transactions: Path):
    return load_dataset(transactions, "train", label_column="is_fraud")


@pytest.mark.parametrize("name", tabular("trigger"))
def test_trigger_contract(name: str, table) -> None:
    trig = registry.create("trigger", name).bind(table.schema)
    x = table.x[:20]
    before = x.clone()
    out = trig.apply(x)
    assert torch.equal(x, before) and out.shape == x.shape and out.dtype == x.dtype
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    assert not torch.equal(out, x)
    again = registry.create("trigger", name, **trig.get_params()).bind(table.schema)
    assert torch.equal(again.apply(x), out)
    with pytest.raises(Exception, match="expects encoded table rows"):
        trig.apply(torch.rand(2, 1, 4, 4))


def test_every_tabular_attack_is_a_tabular_attack() -> None:
    assert set(tabular("attack")) == {n for n in registry.names("attack")
                                      if n.startswith("tabular-")}


@pytest.mark.parametrize("name", tabular("detector"))
def test_detector_contract(name: str, transactions: Path) -> None:
    det = registry.create("detector", name)
    assert registry.create("detector", name, **det.get_params()).get_params() == det.get_params()
    attack = TabularBadNets(target=1, poison_rate=0.3, seed=1)
    run = run_experiment(transactions, attack=attack, arch="xgboost",
                         data_params={"label_column": "is_fraud"},
                         arch_params={"n_estimators": 20, "max_depth": 3})
    before = run.model(run.test.x)
    verdict = det.inspect(run.model, run.test, seed=0)
    assert isinstance(verdict, ModelVerdict) and verdict.method == name
    assert sorted(verdict.target_classes) == [0, 1]
    assert all(math.isfinite(c.score) for c in verdict.per_class)
    assert set(verdict.trigger_text) == {0, 1}
    assert torch.equal(run.model(run.test.x), before)
    again = det.inspect(run.model, run.test, seed=0)
    assert again.features == verdict.features


@pytest.fixture(scope="module")
def credit():
    """The bundled credit table (3,563 rows): the tiny fraud CSV has a natural single-value
    rule (``merchant = online``) as strong as a trigger, which ``label-groups`` cannot tell
    from one (docs/tabular.md)."""
    return load_dataset("credit-default", "train")


@pytest.mark.parametrize("name", tabular("data-detector"))
def test_data_detector_ranks_a_trigger_group_first(name: str, credit) -> None:
    attack = TabularBadNets(target=1, poison_rate=0.1, seed=2)
    poisoned = attack.poison(credit)
    data, mask = materialize(poisoned), poisoned.is_poisoned.numpy()
    result = detect_data(data, method=name, poison=mask)
    assert result.method == name and result.truth is not None
    assert result.truth.roc_auc > 0.9
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    assert flagged[mask].mean() > 0.8 and flagged[~mask].mean() < 0.05
