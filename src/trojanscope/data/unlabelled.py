"""Inputs to run a model on, with or without labels: an ``.npz`` holding ``x`` (``y`` optional),
or anything :func:`~trojanscope.data.resolve.load_dataset` reads (a bundled dataset's ``test``
split, a user's file or folder whole)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch import Tensor

from trojanscope.data.dataset import TensorDataset, make_dataset
from trojanscope.errors import UserInputError


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


def load_inputs(spec: str | Path) -> Inputs:
    """Read ``spec``: an ``.npz`` with ``x`` alone is enough; other sources need labels."""
    from trojanscope import registry
    from trojanscope.data.resolve import load_dataset

    path = Path(str(spec))
    if path.is_file() and path.suffix.lower() == ".npz":
        try:
            with np.load(path, allow_pickle=False) as npz:
                if "y" not in npz.files:
                    if "x" not in npz.files:
                        found = ", ".join(repr(k) for k in npz.files) or "none"
                        raise UserInputError(f"{path}: missing array 'x' (found {found})")
                    x = npz["x"]
                    # the labels are placeholders: make_dataset validates x (dtype, shape,
                    # finite, range) with the same messages as labelled data
                    ds = make_dataset(x, np.zeros(len(x), dtype=np.int64), num_classes=2,
                                      source=str(path))
                    return Inputs(ds.x, None, str(path))
        except UserInputError:
            raise
        except ValueError as exc:
            raise UserInputError(f"{path}: cannot read .npz archive ({exc}); object arrays "
                                 "(pickles) are never loaded") from None
        except (OSError, EOFError) as exc:
            raise UserInputError(f"{path}: not a readable .npz archive ({exc})") from None
    split = "test" if str(spec) in registry.names("dataset") else "all"
    ds = load_dataset(spec, split)
    return Inputs(ds.x, ds.y, ds.source or ds.name)
