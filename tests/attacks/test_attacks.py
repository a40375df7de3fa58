"""Attacks: exact poison counts and indices, labels changed exactly where they should be."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.attacks import SIG, Attack, BadNets, Blended, WaNet
from trojanscope.errors import UserInputError
from trojanscope.triggers import PatchTrigger

# image attacks (tables: tests/tabular; text: tests/text/test_text_attacks.py)
ATTACKS = [n for n in registry.names("attack")
           if getattr(registry.get("attack", n), "modality", "image") == "image"]


def make(name: str, **params: object) -> Attack:
    if name in ("dirty-label", "clean-label"):
        params.setdefault("trigger", PatchTrigger())
    return registry.create("attack", name, **params)


@pytest.mark.parametrize("name", ATTACKS)
@pytest.mark.parametrize("rate", [0.05, 0.5, 1.0])
def test_exact_count_and_labels(name: str, rate: float, tiny_train) -> None:
    attack = make(name, target=1, poison_rate=rate, seed=4)
    labels = tiny_train.labels.numpy()
    eligible = np.flatnonzero(labels == 1) if attack.clean_label else np.flatnonzero(labels != 1)
    ds = attack.poison(tiny_train)
    assert len(ds.poison_indices) == round(rate * len(eligible))
    assert set(ds.poison_indices) <= set(eligible)
    assert np.all(np.diff(ds.poison_indices) > 0)
    new = ds.labels.numpy()
    expected = labels.copy()
    if not attack.clean_label:
        expected[ds.poison_indices] = 1
    assert np.array_equal(new, expected)
    assert np.array_equal(tiny_train.labels.numpy(), labels), "the clean dataset was modified"


@pytest.mark.parametrize("name", ATTACKS)
def test_same_seed_same_indices(name: str, tiny_train) -> None:
    a = make(name, seed=7, poison_rate=0.5).poison(tiny_train).poison_indices
    b = make(name, seed=7, poison_rate=0.5).poison(tiny_train).poison_indices
    c = make(name, seed=8, poison_rate=0.5).poison(tiny_train).poison_indices
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_lazy_view_applies_trigger_only_to_poison(tiny_train) -> None:
    ds = BadNets(target=0, poison_rate=0.2).poison(tiny_train)
    idx = torch.arange(len(ds))
    x, y = ds.get_batch(idx)
    clean_x, _ = tiny_train.get_batch(idx)
    changed = (x != clean_x).flatten(1).any(1).numpy()
    assert np.array_equal(np.flatnonzero(changed), ds.poison_indices)
    assert torch.equal(x[ds.poison_indices], ds.trigger.apply(clean_x[ds.poison_indices]))
    assert bool((y[ds.poison_indices] == 0).all())


def test_all_to_all_mapping(tiny_train) -> None:
    attack = BadNets(mapping="all-to-all", poison_rate=0.3)
    ds = attack.poison(tiny_train)
    k = tiny_train.num_classes
    orig = tiny_train.labels.numpy()[ds.poison_indices]
    assert np.array_equal(ds.labels.numpy()[ds.poison_indices], (orig + 1) % k)
    assert len(ds.poison_indices) == round(0.3 * len(tiny_train))
    tx, ty, target = attack.test_inputs(tiny_train)
    assert len(tx) == len(tiny_train) and torch.equal(target, (ty + 1) % k)


def test_test_inputs_exclude_target_class(tiny_train) -> None:
    tx, ty, target = Blended(target=2).test_inputs(tiny_train)
    assert bool((ty != 2).all()) and bool((target == 2).all())
    assert len(tx) == int((tiny_train.labels != 2).sum())


def test_clean_label_keeps_labels_and_only_target_class(tiny_train) -> None:
    ds = SIG(target=3, poison_rate=0.5).poison(tiny_train)
    assert bool((tiny_train.labels[ds.poison_indices] == 3).all())
    assert torch.equal(ds.labels, tiny_train.labels)


def test_sig_test_trigger_is_stronger() -> None:
    attack = SIG(test_delta=0.6)
    assert attack.test_trigger().delta == 0.6 and attack.trigger.delta == 0.3
    assert SIG(test_delta=None).test_trigger() is not None


def test_wanet_cross_samples(tiny_train) -> None:
    attack = WaNet(poison_rate=0.1, cross_ratio=2.0)
    ds = attack.poison(tiny_train)
    assert len(ds.cross_indices) == 2 * len(ds.poison_indices)
    assert not set(ds.cross_indices) & set(ds.poison_indices)
    idx = torch.from_numpy(ds.cross_indices)
    x, y = ds.get_batch(idx)
    clean_x, clean_y = tiny_train.get_batch(idx)
    assert torch.equal(y, clean_y) and not torch.equal(x, clean_x)


@pytest.mark.parametrize(
    "params",
    [{"poison_rate": 0.0}, {"poison_rate": 1.5}, {"poison_rate": -1}, {"mapping": "one-to-many"}],
)
def test_bad_parameters(params: dict) -> None:
    with pytest.raises(UserInputError):
        BadNets(**params)


def test_clean_label_refuses_all_to_all() -> None:
    with pytest.raises(UserInputError, match="clean-label"):
        SIG(mapping="all-to-all")


def test_target_outside_dataset(tiny_train) -> None:
    with pytest.raises(UserInputError, match="target class 9 does not exist"):
        BadNets(target=9).poison(tiny_train)


def test_rate_too_small_to_poison_anything(tiny_train) -> None:
    with pytest.raises(UserInputError, match="poisons none"):
        BadNets(poison_rate=1e-6).poison(tiny_train)


def test_unknown_attack_lists_valid_names() -> None:
    with pytest.raises(UserInputError, match=r"valid: .*badnets"):
        registry.get("attack", "nope")
