"""Shared readings for the detection tests (stop 60, hfc2): ``auto`` on the suite's tiny
backdoored model, read once per worker for each input set and option, as tests read the same
reading (the same model, inputs, options and seed give the same verdict)."""

from __future__ import annotations

import copy

import pytest

from trojanscope.data.dataset import TensorDataset


def framed(data: TensorDataset) -> TensorDataset:
    """``data`` with its top row and left column blank: pixels no clean image lights."""
    x = data.x.clone()
    x[:, :, 0, :] = 0.0
    x[:, :, :, 0] = 0.0
    return TensorDataset(x, data.y, data.class_names)


@pytest.fixture(scope="session")
def _auto_cache(tiny_test: TensorDataset) -> dict:
    return {"inputs": {"lit": tiny_test, "framed": framed(tiny_test)}, "reads": {}}


@pytest.fixture()
def auto_inputs(_auto_cache: dict) -> dict[str, TensorDataset]:
    """The input sets ``auto_reading`` reads, by name (``"lit"``, ``"framed"``)."""
    return _auto_cache["inputs"]


@pytest.fixture()
def auto_reading(_auto_cache: dict, backdoored_run):
    """``auto_reading(inputs, seed=0, **params)``: ``AutoDetector(**params)`` on
    ``backdoored_run``'s model, with ``seed``, over ``inputs`` (``"lit"``: the suite's synthetic
    test split, every pixel lit somewhere; ``"framed"``: the same with its top row and left
    column blank). Each reading is made once per worker; every call gets its own deep copy, so
    what a test changes reaches no other."""
    from trojanscope.detect.auto import AutoDetector

    def read(inputs: str, seed: int = 0, **params):
        key = (inputs, seed, tuple(sorted(params.items())))
        if key not in _auto_cache["reads"]:
            _auto_cache["reads"][key] = AutoDetector(**params).inspect(
                backdoored_run.model, _auto_cache["inputs"][inputs], seed=seed)
        return copy.deepcopy(_auto_cache["reads"][key])

    return read
