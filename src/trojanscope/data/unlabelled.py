"""Inputs to run a model on, with or without labels: an ``.npz`` holding ``x`` (``y`` optional),
or anything :func:`~trojanscope.data.resolve.load_dataset` reads (a bundled dataset's ``test``
split, a user's file or folder whole)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch import Tensor

from trojanscope.data.dataset import TensorDataset, make_dataset
from trojanscope.errors import DataInputError, UserInputError


@dataclass
class Inputs:
    """A batch of inputs (N×C×H×W in [0, 1]) and their labels when the source has them."""

    x: Tensor
    y: Tensor | None
    source: str

    def labelled(self, what: str) -> TensorDataset:
        """The inputs as a labelled dataset; a clear error naming ``what`` needs the labels."""
        if self.y is None:
            raise UserInputError(f"{self.source}: {what} needs labels ('y'), the file has only "
                                 "'x'")
        return make_dataset(self.x, self.y, source=self.source)


def _has_labels(path: Path, what: str) -> bool:
    """Whether the ``.npz`` at ``path`` holds a ``y`` (an unreadable file says no: the reader
    of ``x`` then names what is wrong with it)."""
    from trojanscope.data.npz_guard import check_npz

    check_npz(Path(path), what)  # before numpy reads anything: an .npy named .npz is read whole
    try:
        with np.load(path, allow_pickle=False) as npz:
            return "y" in npz.files
    except Exception:
        return False


def load_inputs(spec: str | Path, what: str = "inputs") -> Inputs:
    """Read ``spec``: an ``.npz`` with ``x`` alone is enough; other sources need labels.
    ``what`` (the argument or option, e.g. ``--data``) leads every error about the file."""
    from trojanscope import registry
    from trojanscope.data.resolve import load_dataset

    path = Path(str(spec))
    if path.is_file() and path.suffix.lower() == ".npz" and not _has_labels(path, what):
        from trojanscope.detect.input_level.inputs import load_inputs as load_x

        return Inputs(load_x(path, what), None, str(path))
    split = "test" if str(spec) in registry.names("dataset") else "all"
    try:
        ds = load_dataset(spec, split)
    except UserInputError as exc:  # the loaders name the file or the name: lead with `what`
        sep = " " if str(exc).startswith(f"{path}:") else ": "
        kind = DataInputError if isinstance(exc, DataInputError) else UserInputError
        raise kind(f"{what}{sep}{exc}") from None
    return Inputs(ds.x, ds.y, ds.source or ds.name)
