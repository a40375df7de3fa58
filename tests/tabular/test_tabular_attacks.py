"""Tabular triggers and attacks: values in the table's terms, exact ground truth, contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.attacks.tabular import TabularBadNets, TabularSubpopulation
from trojanscope.data import load_dataset
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular import EndsWithTrigger, FeatureValueTrigger, RareCategoryTrigger
from trojanscope.zoo import ZooEntry, build_attack, zoo_attacks

TABULAR_ATTACKS = [n for n in registry.names("attack")
                   if registry.get("attack", n).modality == "tabular"]


@pytest.fixture()
def table(transactions: Path):
    return load_dataset(transactions, "train", label_column="is_fraud")


def decode(ds, rows: torch.Tensor, column: str) -> list[str]:
    schema = ds.schema
    col, start = schema.column(column), schema.offset(column)
    if col.kind == "categorical":
        block = rows[:, start : start + col.width]
        return [col.categories[int(i)] for i in block.argmax(1)]
    return [schema.describe(start, float(v))[1] for v in rows[:, start]]


def test_feature_value_trigger_writes_the_table_values(table) -> None:
    trigger = FeatureValueTrigger(values="merchant=5999,amount=120.5").bind(table.schema)
    out = trigger.apply(table.x[:10])
    assert decode(table, out, "merchant") == ["5999"] * 10
    assert decode(table, out, "amount") == ["120.5"] * 10
    assert torch.equal(out[:, 1:2], table.x[:10, 1:2])  # age untouched
    assert trigger.describe() == "merchant = 5999 and amount = 120.5"
    assert not torch.equal(out, table.x[:10])  # a copy; input unchanged below
    assert table.x[:10, 0].max() <= 1


def test_auto_values_are_in_distribution_and_recorded(table) -> None:
    trigger = FeatureValueTrigger(count=3, seed=4).bind(table.schema)
    values = trigger.get_params()["values"]
    assert values and len(values.split(",")) == 3
    for name, value in (item.split("=") for item in values.split(",")):
        col = table.schema.column(name)
        if col.kind == "categorical":
            share = col.counts[col.categories.index(value)] / sum(col.counts)
            assert 0.01 <= share <= 0.15
        else:
            assert col.quantiles[1] <= float(value) <= col.quantiles[3] + 0.01
    rebuilt = FeatureValueTrigger(**trigger.get_params()).bind(table.schema)
    assert torch.equal(rebuilt.apply(table.x), trigger.apply(table.x))


def test_rare_category_and_ends_with(table) -> None:
    rare = RareCategoryTrigger().bind(table.schema)
    assert rare.values == {"channel": "atm"}
    ends = EndsWithTrigger(feature="amount", digits="37").bind(table.schema)
    out = ends.apply(table.x[:20])
    for value in decode(table, out, "amount"):
        assert f"{float(value):.2f}".endswith(".37")


@pytest.mark.parametrize(
    ("trigger", "message"),
    [(FeatureValueTrigger(values="merchant=casino"), "not a category of 'merchant'"),
     (FeatureValueTrigger(values="amount=lots"), "'amount' is numeric"),
     (FeatureValueTrigger(values="colour=red"), "no feature column 'colour'"),
     (RareCategoryTrigger(feature="amount"), "not categorical"),
     (EndsWithTrigger(feature="merchant"), "not numeric")],
)
def test_bad_trigger_values(table, trigger, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        trigger.bind(table.schema)


def test_tabular_attack_refuses_images(tiny_train) -> None:
    with pytest.raises(UserInputError, match="needs tabular data"):
        TabularBadNets().poison(tiny_train)


def test_poison_indices_are_exact(table) -> None:
    attack = TabularBadNets(target=0, poison_rate=0.1, seed=2)
    poisoned = attack.poison(table)
    idx = poisoned.poison_indices
    labels = table.labels.numpy()
    assert len(idx) == round(0.1 * int((labels != 0).sum()))
    x, y = poisoned.get_batch(torch.arange(len(table)))
    assert (y[idx] == 0).all()
    clean = np.setdiff1d(np.arange(len(table)), idx)
    assert torch.equal(x[clean], table.x[clean])
    assert torch.equal(x[idx], attack.trigger.apply(table.x[idx]))


def test_subpopulation_poisons_and_tests_only_inside(table) -> None:
    attack = TabularSubpopulation(target=0, poison_rate=0.5, where="channel=web")
    poisoned = attack.poison(table)
    inside = attack.members(table)
    assert inside[poisoned.poison_indices].all()
    x, _, _ = attack.test_inputs(table)
    assert len(x) == int((inside & (table.labels.numpy() != 0)).sum())


def test_tabular_attacks_stay_out_of_image_zoos() -> None:
    assert not set(TABULAR_ATTACKS) & set(zoo_attacks())
    assert {"tabular-badnets", "tabular-rare"} <= set(zoo_attacks("tabular"))


@pytest.mark.parametrize("name", zoo_attacks("tabular"))
def test_sampled_params_build_an_attack_that_poisons(name: str, table) -> None:
    cls = registry.get("attack", name)
    draws = [cls.sample_params(np.random.default_rng(s)) for s in range(4)]
    assert draws[0] == cls.sample_params(np.random.default_rng(0))
    for params in draws:
        params = dict(params)
        entry = ZooEntry("x", "xgboost", 3, True, name, target=1,
                         poison_rate=params.pop("poison_rate"), trigger=params.pop("trigger"),
                         attack_params=params)
        attack = build_attack(entry)
        assert len(attack.poison(table).poison_indices) > 0
        x, _, target = attack.test_inputs(table)
        assert x.shape[1] == table.x.shape[1] and (target == 1).all()
        assert float(x.min()) >= 0 and float(x.max()) <= 1
