"""Recognise user data on disk by its content and layout, and hand it to the matching loader.

Recognition never trusts a name alone: a file is an ``.npz`` when it starts like a zip archive
(or a ``.npy``, to explain the mistake); a folder is CIFAR-10 when it holds the batch files,
GTSRB when it has the published folders, an image folder when its sub-folders hold images.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from trojanscope import registry
from trojanscope.data import cifar10
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.image_folder import IMAGE_SUFFIXES
from trojanscope.errors import UserInputError


def formats() -> dict[str, str]:
    """Registered data formats (name -> one-line description), in the order they are tried."""
    return {name: fmt.description for name, fmt in registry.items("data-format")}


def detect_format(path: Path, **params: Any) -> str | None:
    """The name of the registered data format of ``path``, or None; with ``params`` (e.g. a
    ``text_column``), only the formats that take them are tried, built with them."""
    for name, fmt in registry.items("data-format"):
        if params and not set(params) <= set(inspect.signature(fmt).parameters):
            continue
        if fmt(**params).matches(path):
            return name
    return None


def load_path(path: Path, split: str, **params: Any) -> TensorDataset:
    """Load ``split`` (``train``, ``test`` or ``all``) of the user data at ``path``; ``params``
    go to the format (e.g. a text table's ``text_column``; a format without them refuses them).

    A CSV is a text table when its text column (``text_column``, default ``text``) holds
    sentences, else a tabular one (whose label column is ``label_column``).
    Raises :class:`UserInputError` listing the supported formats when ``path`` is none of them.
    """
    path = Path(path)
    fmt = detect_format(path, **params)
    plain = detect_format(path) if fmt is None and params else None
    if plain is not None:
        flags = " and ".join("--" + p.replace("_", "-") for p in sorted(params))
        raise UserInputError(f"{path}: {flags} do not apply to {plain} data "
                             "(only to tables and text files)")
    if fmt is None:
        supported = "; ".join(formats().values())
        raise UserInputError(f"{path}: unrecognised data{_hint(path)}; supported: {supported}")
    return registry.create("data-format", fmt, **params).load(path, split)


def _hint(path: Path) -> str:
    """A short reason for a common near miss, or ''."""
    name = path.name.lower()
    if path.is_dir():
        if not any(path.iterdir()):
            return " (empty folder)"
        if any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.iterdir() if p.is_file()):
            return " (images lie directly in the folder; put them in one sub-folder per class)"
        return ""
    if name in (*cifar10.TRAIN_FILES, *cifar10.TEST_FILES, cifar10.META_FILE):
        return " (a single CIFAR-10 batch; pass the folder that holds the batches)"
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return " (a single image; pass a folder with one sub-folder per class)"
    if name.endswith((".tar", ".tar.gz", ".tgz", ".zip", ".gz")):
        return " (an archive; extract it first)"
    return ""
