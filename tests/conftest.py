"""Shared fixtures: tiny data and models built in well under a second."""

from __future__ import annotations

import pytest

from trojanscope.attacks import BadNets
from trojanscope.data import load_dataset
from trojanscope.data.dataset import TensorDataset
from trojanscope.engine import Trainer
from trojanscope.experiment import ExperimentResult, run_experiment
from trojanscope.triggers import PatchTrigger


@pytest.fixture(scope="session")
def tiny_train() -> TensorDataset:
    return load_dataset("synthetic", "train")


@pytest.fixture(scope="session")
def tiny_test() -> TensorDataset:
    return load_dataset("synthetic", "test")


# Tiny clean and backdoored models on synthetic data (detection and audit tests).
def _train(attack, tiny_train, tiny_test) -> ExperimentResult:
    return run_experiment(
        "synthetic",
        attack=attack,
        arch="cnn",
        arch_params={"width": 8},
        trainer=Trainer(epochs=8, batch_size=32, lr=3e-3),
        seed=0,
        train_split=tiny_train,
        test_split=tiny_test,
    )


@pytest.fixture(scope="session")
def backdoored_run(tiny_train, tiny_test) -> ExperimentResult:
    attack = BadNets(target=2, poison_rate=0.2, trigger=PatchTrigger(size=4, pattern="solid"))
    return _train(attack, tiny_train, tiny_test)


@pytest.fixture(scope="session")
def clean_run(tiny_train, tiny_test) -> ExperimentResult:
    return _train(None, tiny_train, tiny_test)
