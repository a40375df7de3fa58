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
def train_tiny(attack, train, test, epochs: int = 8) -> ExperimentResult:
    """A width-8 CNN trained on synthetic splits (poisoned by ``attack`` when given)."""
    return run_experiment(
        "synthetic",
        attack=attack,
        arch="cnn",
        arch_params={"width": 8},
        trainer=Trainer(epochs=epochs, batch_size=32, lr=3e-3),
        seed=0,
        train_split=train,
        test_split=test,
    )


@pytest.fixture(scope="session")
def tiny_trainer():
    """:func:`train_tiny` for test modules (conftest functions are not importable)."""
    return train_tiny


@pytest.fixture(scope="session")
def backdoored_run(tiny_train, tiny_test) -> ExperimentResult:
    attack = BadNets(target=2, poison_rate=0.2, trigger=PatchTrigger(size=4, pattern="solid"))
    return train_tiny(attack, tiny_train, tiny_test)


@pytest.fixture(scope="session")
def clean_run(tiny_train, tiny_test) -> ExperimentResult:
    return train_tiny(None, tiny_train, tiny_test)
