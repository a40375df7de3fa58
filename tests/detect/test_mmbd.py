"""MM-BD: data-free maximum-margin detection on tiny synthetic models (8 classes, 16×16)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.attacks import BadNets
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.mmbd import MAX_NEGLOG10_P, MMBD, gamma_neglog10_p, margin
from trojanscope.errors import UserInputError
from trojanscope.experiment import ExperimentResult
from trojanscope.triggers import PatchTrigger

FAST = {"n_starts": 4, "steps": 30}
SHAPE = (1, 16, 16)
TARGET = 5
Splits = tuple[TensorDataset, TensorDataset]


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Tiny models run fastest on one thread; two threads on a busy 2-core box crawl."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def splits() -> Splits:
    source = registry.create("dataset", "synthetic", num_classes=8, n=1200)
    return source.load("train"), source.load("test")


@pytest.fixture(scope="module")
def backdoored(splits: Splits, tiny_trainer) -> ExperimentResult:
    attack = BadNets(target=TARGET, poison_rate=0.2, trigger=PatchTrigger(size=4, pattern="solid"))
    return tiny_trainer(attack, *splits, epochs=6)


@pytest.fixture(scope="module")
def clean(splits: Splits, tiny_trainer) -> ExperimentResult:
    return tiny_trainer(None, *splits, epochs=6)


def test_backdoored_model_gets_the_larger_statistic(
    backdoored: ExperimentResult, clean: ExperimentResult
) -> None:
    assert backdoored.metrics["attack_success_rate"] > 0.9
    bad = MMBD(**FAST).inspect(backdoored.model, input_shape=SHAPE, seed=0)
    good = MMBD(**FAST).inspect(clean.model, input_shape=SHAPE, seed=0)
    assert bad.method == "mmbd" and bad.data_free and bad.triggers == {}
    assert bad.target_classes[0] == TARGET
    assert bad.statistic > good.statistic
    assert bad.features["mmbd_anomaly"] > good.features["mmbd_anomaly"]
    assert sorted(bad.target_classes) == list(range(8))
    margins = [r.score for r in bad.per_class]
    assert [margins[c] for c in bad.target_classes] == sorted(margins, reverse=True)
    for v in (bad, good):
        assert set(v.features) == {
            "mmbd_neglog10_p",
            "mmbd_anomaly",
            "mmbd_ratio",
            "mmbd_gap",
            "mmbd_mean_anomaly",
            "mmbd_early_anomaly",
        }
        assert all(math.isfinite(x) for x in v.features.values())
        assert 0.0 <= v.statistic <= MAX_NEGLOG10_P


def test_deterministic_and_restores_model(backdoored: ExperimentResult) -> None:
    model = backdoored.model
    model.train()
    a = MMBD(**FAST).inspect(model, input_shape=SHAPE, seed=3)
    assert model.training and all(p.requires_grad for p in model.parameters())
    b = MMBD(**FAST).inspect(model, input_shape=SHAPE, seed=3)
    model.eval()
    assert a.statistic == b.statistic and a.target_classes == b.target_classes
    assert [r.score for r in a.per_class] == [r.score for r in b.per_class]


def test_clean_data_is_optional_and_ignored(backdoored: ExperimentResult, splits: Splits) -> None:
    without = MMBD(**FAST).inspect(backdoored.model, None, input_shape=SHAPE, seed=1)
    with_data = MMBD(**FAST).inspect(backdoored.model, splits[1], seed=1)
    assert without.data_free and with_data.data_free
    assert without.statistic == with_data.statistic
    with pytest.raises(UserInputError, match="input shape is unknown"):
        MMBD(**FAST).inspect(backdoored.model, None)


def test_pattern_reaches_the_reported_margin(backdoored: ExperimentResult) -> None:
    v = MMBD(**FAST, return_pattern=True).inspect(backdoored.model, input_shape=SHAPE, seed=0)
    top = v.target_classes[0]
    trig = v.triggers[top]
    assert trig.mask.shape == (1, 16, 16) and bool((trig.mask == 1).all())
    assert trig.pattern.shape == SHAPE and 0 <= float(trig.pattern.min()) <= 1
    with torch.no_grad():
        reached = margin(backdoored.model.eval()(trig.pattern[None]), torch.tensor([top]))
    assert float(reached) == pytest.approx(v.per_class[top].score, rel=1e-4, abs=1e-4)


def test_gamma_p_value() -> None:
    rng = np.random.default_rng(0)
    null = rng.gamma(5.0, 2.0, size=9) + 20
    assert gamma_neglog10_p(np.append(null, null.max() + 200)) > 5
    assert gamma_neglog10_p(np.linspace(20.0, 30.0, 10)) < 1.0  # evenly spread: no outlier
    assert gamma_neglog10_p(np.append(null, 1e9)) == MAX_NEGLOG10_P
    assert gamma_neglog10_p(np.array([1.0, 2.0, 50.0])) == 0.0  # too few classes for a fit


def test_parameters_are_checked() -> None:
    assert MMBD().get_params() == MMBD(**MMBD().get_params()).get_params()
    assert registry.create("detector", "mmbd").needs_data is False
    for bad in ({"n_starts": 0}, {"steps": 0}, {"lr": 0.0}, {"lr": float("nan")}):
        with pytest.raises(UserInputError, match="mmbd"):
            MMBD(**bad)
