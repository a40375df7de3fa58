"""Resolve a dataset given by the user: a registered name (``mnist``) or a path to user data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.errors import UserInputError


def load_dataset(
    spec: str | Path, split: str = "train", *, label_column: str | None = None, **params: Any
) -> TensorDataset:
    """Load ``spec`` — a registered dataset name or a path — and return ``split``.

    Paths: an ``.npz`` file (``x``, ``y``, optional ``poison``), an image folder (one sub-folder
    per class), a CIFAR-10 python-batch folder, or a GTSRB folder. ``split`` is ``train``,
    ``test`` or ``all``; sources without their own split use a fixed stratified 80/20 split.
    ``label_column`` names the label column of a user table (CSV, Parquet).
    """
    text = str(spec)
    if text in registry.names("dataset"):
        if label_column is not None:
            raise UserInputError(f"--label-column applies to user tables, not bundled {text!r}")
        return registry.create("dataset", text, **params).load(split)
    path = Path(text)
    if path.exists():
        if params:
            raise UserInputError(
                f"{path}: dataset parameters {sorted(params)} apply only to bundled data"
            )
        from trojanscope.data.files import load_path

        return load_path(path, split, label_column=label_column)
    valid = ", ".join(registry.names("dataset"))
    raise UserInputError(
        f"unknown dataset {text!r}: not a bundled dataset ({valid}) and no such file or folder"
    )
