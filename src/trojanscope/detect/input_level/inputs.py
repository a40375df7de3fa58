"""Read a batch of unlabelled inputs: an ``.npz`` with an array ``x`` alone is enough.

Opened with ``allow_pickle=False`` (object arrays are refused, never unpickled). ``x`` must be
floating point, N×C×H×W, finite and in [0, 1]; every problem is one :class:`UserInputError`.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np
from torch import Tensor

from trojanscope.data.dataset import make_dataset
from trojanscope.data.npz import is_zip_archive
from trojanscope.errors import UserInputError


def load_inputs(path: str | Path, what: str = "inputs") -> Tensor:
    """The array ``x`` of the ``.npz`` file at ``path`` as a float32 tensor."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"{what} {path}: no such file")
    if not is_zip_archive(path):
        # a CSV is read here only for text models (sentences); a table's rows are not inputs
        csv = " (a CSV holds inputs for text models only)" if path.suffix.lower() == ".csv" else ""
        raise UserInputError(f"{what} {path}: not an .npz archive{csv}; save it with "
                             "numpy.savez(path, x=x)")
    from trojanscope.data.npz_guard import check_npz

    check_npz(path, what)  # sizes from the directory and headers, before numpy allocates
    try:
        with np.load(path, allow_pickle=False) as npz:
            if "x" not in npz.files:
                found = ", ".join(repr(k) for k in npz.files) or "none"
                raise UserInputError(f"{what} {path}: no array 'x' (found {found})")
            x = npz["x"]
    except UserInputError:
        raise
    except ValueError as exc:
        reason = "an object array (pickled data), never loaded" if "pickle" in str(exc) else exc
        raise UserInputError(f"{what} {path}: cannot read 'x' ({reason})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        raise UserInputError(f"{what} {path}: truncated or corrupt .npz ({exc})") from None
    return as_inputs(x, f"{what} {path}")


def as_inputs(x: np.ndarray, where: str) -> Tensor:
    """Check an array of images (float, N×C×H×W, finite, in [0, 1]) and return it as float32
    (the checks of :func:`~trojanscope.data.dataset.make_dataset`, without labels)."""
    return make_dataset(x, np.zeros(len(x) if x.ndim else 0, np.int64), num_classes=2,
                        source=where).x
