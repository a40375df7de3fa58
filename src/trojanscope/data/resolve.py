"""Resolve a dataset given by the user: a registered name (``mnist``) or a path to user data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.errors import UserInputError


def load_dataset(spec: str | Path, split: str = "train", **params: Any) -> TensorDataset:
    """Load ``spec`` — a registered dataset name or a path — and return ``split``.

    Paths: an ``.npz`` file (``x``, ``y``, optional ``poison``), an image folder (one sub-folder
    per class), a CIFAR-10 python-batch folder, or a GTSRB folder. ``split`` is ``train``,
    ``test`` or ``all``; sources without their own split use a fixed stratified 80/20 split.
    ``params`` go to a bundled dataset or to the format of a path (``label_column`` of a user
    table; ``text_column`` / ``label_column`` of a text CSV).
    """
    for column in ("label_column", "text_column"):  # an option not given is no option
        if params.get(column, "") is None:
            del params[column]
    text = str(spec)
    if text in registry.names("dataset"):
        columns = sorted({"label_column", "text_column"} & set(params))
        if columns:
            flags = " and ".join("--" + c.replace("_", "-") for c in columns)
            verb = "applies" if len(columns) == 1 else "apply"
            raise UserInputError(f"{flags} {verb} to user tables and text files, not bundled "
                                 f"{text!r}")
        return registry.create("dataset", text, **params).load(split)
    path = Path(text)
    if path.exists():
        from trojanscope.data.files import load_path

        return load_path(path, split, **params)
    valid = ", ".join(registry.names("dataset"))
    raise UserInputError(
        f"unknown dataset {text!r}: not a bundled dataset ({valid}) and no such file or folder"
    )
