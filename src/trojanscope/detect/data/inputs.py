"""What ``detect-data`` reads: the suspect training set, and its ground truth when known.

A path or bundled name goes through the loaders (an ``.npz`` file or an image folder is taken
whole: every sample of a training set is judged). A red-team run folder written by
``trojanscope attack`` is rebuilt: its manifest names the dataset and the attack (trigger,
target, rate, seed), the attack is replayed on the training split, and the replayed poison set
is checked against the folder's ``poison_indices.npy`` before it is used as ground truth.
Ground truth is only ever used to score a detection, never to make one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trojanscope.data.dataset import BatchDataset, TensorDataset
from trojanscope.data.text import is_text
from trojanscope.errors import UserInputError


@dataclass
class SuspectData:
    """The data to judge, a boolean mask of known poison (or None), and where it came from."""

    data: BatchDataset
    poison: np.ndarray | None
    source: str
    kind: str  # "file", "dataset" or "run"


def is_run_folder(path: Path) -> bool:
    """A folder written by ``trojanscope attack``/``train`` (it holds a manifest)."""
    from trojanscope.io.manifest import MANIFEST_NAME

    return path.is_dir() and (path / MANIFEST_NAME).is_file()


def load_suspect(spec: str | Path, label_column: str | None = None,
                 text_column: str | None = None) -> SuspectData:
    """Load ``spec``: a run folder, a data file or folder, or a bundled dataset name;
    ``label_column`` names the label of a table (CSV, Parquet), ``text_column`` the text of a
    text file."""
    from trojanscope.data.resolve import load_dataset

    path = Path(spec)
    if is_run_folder(path):
        return _from_run(path)
    if path.exists():
        data = load_dataset(path, "all", label_column=label_column, text_column=text_column)
        known = getattr(data, "poison_mask", None)
        mask = None if known is None else known.numpy()
        return SuspectData(data, mask, str(path), "file")
    return SuspectData(load_dataset(str(spec), "train", label_column=label_column,
                                    text_column=text_column), None, str(spec), "dataset")


def _from_run(path: Path) -> SuspectData:
    from trojanscope.data.resolve import load_dataset
    from trojanscope.experiment import POISON_INDICES_NAME
    from trojanscope.io.manifest import read_manifest
    from trojanscope.mitigate.triggers import attack_from_spec

    manifest = read_manifest(path)
    name = manifest.dataset.get("name")
    if not name:
        raise UserInputError(f"{path}: the manifest names no dataset to rebuild")
    own = Path(str(name)).is_file()  # a user's file: the columns it was read by (stop 55: text)
    train = load_dataset(str(name), "train",
                         label_column=manifest.dataset.get("label_column") if own else None,
                         text_column=manifest.dataset.get("text_column") if own else None)
    if manifest.attack is None:
        return SuspectData(train, None, str(path), "run")
    attack = attack_from_spec(manifest.attack)
    poisoned = attack.poison(train)
    stored = path / POISON_INDICES_NAME
    if stored.is_file():
        from trojanscope.data.npz_guard import check_npy

        check_npy(stored)
        try:
            saved = np.load(stored, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise UserInputError(f"{stored}: not a readable .npy array ({exc})") from None
        if not np.array_equal(np.sort(saved.astype(np.int64)), poisoned.poison_indices):
            raise UserInputError(
                f"{path}: replaying the manifest's attack does not give the poison indices "
                f"in {POISON_INDICES_NAME}; the run cannot be rebuilt exactly"
            )
    fixed = poisoned.data if is_text(poisoned) else materialize(poisoned)  # sentences as edited
    return SuspectData(fixed, poisoned.is_poisoned.numpy().copy(), str(path), "run")


def materialize(data: BatchDataset) -> TensorDataset:
    """The samples of a (lazy) view fixed once, as a training set on disk would be (a lazy
    poisoned view redraws WaNet's noise samples at every access)."""
    import torch

    from trojanscope.data.tabular.table import TabularDataset, schema_of

    x, y = data.get_batch(torch.arange(len(data)))
    schema = schema_of(data)
    if schema is not None:  # a table keeps its schema (the table methods read it)
        return TabularDataset(x.clone(), y.clone(), tuple(data.class_names), data.name,
                              schema=schema)
    return TensorDataset(x.clone(), y.clone(), tuple(data.class_names), data.name)
