"""Tiny clean and backdoored models on synthetic data, shared by the detection tests."""

from __future__ import annotations

import pytest

from trojanscope.attacks import BadNets
from trojanscope.engine import Trainer
from trojanscope.experiment import ExperimentResult, run_experiment
from trojanscope.triggers import PatchTrigger


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
