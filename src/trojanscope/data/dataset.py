"""In-memory labelled datasets with batch access.

Everything that trains or evaluates reads data through :class:`BatchDataset`: ``get_batch`` takes
a tensor of indices and returns a batch, so training pays no per-sample Python overhead and
lazy views (a poisoned dataset) transform whole batches at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor

from trojanscope.errors import UserInputError

SPLITS = ("train", "test", "all")
# Seed of the fixed stratified split of every source that has no split of its own.
SPLIT_SEED = 0


@runtime_checkable
class BatchDataset(Protocol):
    """What the engine, the attacks and the detectors need from a dataset."""

    name: str
    class_names: tuple[str, ...]

    def __len__(self) -> int: ...

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        """Inputs and labels of the samples at ``index`` (a 1-D int64 tensor)."""
        ...

    @property
    def labels(self) -> Tensor:
        """Labels of all samples, as the dataset presents them (int64, length N)."""
        ...

    @property
    def input_shape(self) -> tuple[int, ...]: ...

    @property
    def num_classes(self) -> int: ...


@dataclass(frozen=True, eq=False)
class TensorDataset:
    """Samples ``x`` (float32, (N, C, H, W) in [0, 1] for images) with int64 labels ``y``.

    Build with :func:`make_dataset`, which validates; the constructor trusts its arguments.
    """

    x: Tensor
    y: Tensor
    class_names: tuple[str, ...]
    name: str = "data"
    source: str = field(default="", compare=False)
    # Ground truth shipped with user data (an ``.npz`` ``poison`` mask): True marks a known poison.
    poison_mask: Tensor | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def get_batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        return self.x[index], self.y[index]

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        return self.x[i], self.y[i]

    @property
    def labels(self) -> Tensor:
        return self.y

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(
        self, index: Tensor | np.ndarray | list[int], name: str | None = None
    ) -> TensorDataset:
        """A new dataset holding the samples at ``index`` (in that order)."""
        idx = torch.as_tensor(np.asarray(index), dtype=torch.long)
        mask = None if self.poison_mask is None else self.poison_mask[idx]
        return TensorDataset(
            self.x[idx], self.y[idx], self.class_names, name or self.name, self.source, mask
        )


def make_dataset(
    x: np.ndarray | Tensor,
    y: np.ndarray | Tensor,
    *,
    class_names: list[str] | tuple[str, ...] | None = None,
    num_classes: int | None = None,
    name: str = "data",
    source: str = "",
    image: bool = True,
    poison_mask: np.ndarray | Tensor | None = None,
) -> TensorDataset:
    """Validate arrays and wrap them as a :class:`TensorDataset`.

    Checks, naming ``source`` in every error: ``x`` is floating point, 4-D (N, C, H, W) when
    ``image``, finite and in [0, 1]; ``y`` is integer, 1-D, the same length, and within
    ``[0, num_classes)``. Arrays are copied, so later changes to the caller's arrays do not leak in.
    """
    where = source or name
    x_np = x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)
    y_np = y.detach().cpu().numpy() if isinstance(y, Tensor) else np.asarray(y)
    if not np.issubdtype(x_np.dtype, np.floating):
        raise UserInputError(
            f"{where}: 'x' must be floating point in [0, 1], got dtype {x_np.dtype}"
        )
    if image and x_np.ndim != 4:
        from trojanscope.io.flat_input import four_dims_words

        raise UserInputError(four_dims_words(where, tuple(x_np.shape)))
    if not image and x_np.ndim < 2:
        raise UserInputError(f"{where}: 'x' must have shape Nx..., got shape {tuple(x_np.shape)}")
    if y_np.ndim != 1 or not (np.issubdtype(y_np.dtype, np.integer) or y_np.dtype == np.bool_):
        raise UserInputError(
            f"{where}: 'y' must be a 1-D integer array, "
            f"got dtype {y_np.dtype} shape {tuple(y_np.shape)}"
        )
    if x_np.shape[0] != y_np.shape[0]:
        raise UserInputError(
            f"{where}: 'x' has {x_np.shape[0]} samples but 'y' has {y_np.shape[0]}"
        )
    if x_np.shape[0] == 0:
        raise UserInputError(f"{where}: the dataset is empty")
    if not np.isfinite(x_np).all():
        bad = int((~np.isfinite(x_np)).reshape(len(x_np), -1).any(axis=1).sum())
        raise UserInputError(f"{where}: 'x' contains NaN or Inf values (in {bad} samples)")
    lo, hi = float(x_np.min()), float(x_np.max())
    if lo < 0.0 or hi > 1.0:
        from trojanscope.io.npz_words import out_of_range  # said early too (cli.early_data)

        raise UserInputError(out_of_range(where, lo, hi))
    if class_names is not None:
        num_classes = len(class_names)
    if num_classes is None:
        num_classes = int(y_np.max()) + 1
    if y_np.min() < 0 or y_np.max() >= num_classes:
        raise UserInputError(
            f"{where}: labels must lie in [0, {num_classes - 1}], "
            f"found [{y_np.min()}, {y_np.max()}]"
        )
    if num_classes < 2:
        raise UserInputError(f"{where}: need at least 2 classes, found {num_classes}")
    if class_names is not None:
        names = tuple(class_names)
    else:
        names = tuple(str(i) for i in range(num_classes))
    mask_t = None
    if poison_mask is not None:
        if isinstance(poison_mask, Tensor):
            m = poison_mask.detach().cpu().numpy()
        else:
            m = np.asarray(poison_mask)
        if m.shape != (x_np.shape[0],) or m.dtype != np.bool_:
            raise UserInputError(
                f"{where}: 'poison' must be a boolean mask of length {x_np.shape[0]}, "
                f"got dtype {m.dtype} shape {tuple(m.shape)}"
            )
        mask_t = torch.tensor(m)
    x_t = torch.tensor(x_np, dtype=torch.float32)
    y_t = torch.tensor(y_np.astype(np.int64), dtype=torch.long)
    return TensorDataset(x_t, y_t, names, name, source, mask_t)


def stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic per-class split of sample indices into (train, test), each sorted."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        idx = idx[rng.permutation(len(idx))]
        n_test = round(len(idx) * test_fraction)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def check_split(split: str) -> None:
    """Raise :class:`UserInputError` unless ``split`` is one of :data:`SPLITS`."""
    if split not in SPLITS:
        raise UserInputError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")


def select_split(
    x: np.ndarray,
    y: np.ndarray,
    split: str,
    test_fraction: float,
    *,
    name: str,
    class_names: list[str] | tuple[str, ...] | None = None,
    source: str | None = None,
    poison_mask: np.ndarray | None = None,
    image: bool = True,
) -> TensorDataset:
    """Validate ``(x, y)`` as a whole and return the requested fixed split.

    For sources without a split of their own: a stratified split (seed :data:`SPLIT_SEED`) with
    ``test_fraction`` of each class in ``test``. The whole set is validated first, so an error
    does not depend on the split asked for and both splits share the same class list.
    """
    check_split(split)
    full = make_dataset(
        x,
        y,
        class_names=class_names,
        name=f"{name}:{split}",
        source=source or name,
        poison_mask=poison_mask,
        image=image,
    )
    if split == "all":
        return full
    train, test = stratified_split(full.y.numpy(), test_fraction, SPLIT_SEED)
    idx = train if split == "train" else test
    if len(idx) == 0:
        raise UserInputError(
            f"{source or name}: too few samples per class for a {split} split "
            f"({len(full)} samples, {full.num_classes} classes); use split 'all'"
        )
    return full.subset(idx)
