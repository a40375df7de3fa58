"""Shared fixtures: tiny data and models built in well under a second."""

from __future__ import annotations

import pytest

from trojanscope.data import load_dataset
from trojanscope.data.dataset import TensorDataset


@pytest.fixture(scope="session")
def tiny_train() -> TensorDataset:
    return load_dataset("synthetic", "train")


@pytest.fixture(scope="session")
def tiny_test() -> TensorDataset:
    return load_dataset("synthetic", "test")
