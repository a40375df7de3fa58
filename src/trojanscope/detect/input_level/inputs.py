"""Read a batch of unlabelled inputs: an ``.npz`` with an array ``x`` alone is enough.

Opened with ``allow_pickle=False`` (object arrays are refused, never unpickled). ``x`` must be
floating point, N×C×H×W, finite and in [0, 1]; every problem is one :class:`UserInputError`.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.npz import NPY_MAGIC, ZIP_MAGICS
from trojanscope.errors import UserInputError


def load_inputs(path: str | Path, what: str = "inputs") -> Tensor:
    """The array ``x`` of the ``.npz`` file at ``path`` as a float32 tensor."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"{what} {path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(NPY_MAGIC) or not head.startswith(ZIP_MAGICS):
        raise UserInputError(f"{what} {path}: not an .npz archive; save it with "
                             "numpy.savez(path, x=x)")
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
    """Check an array of images (float, N×C×H×W, finite, in [0, 1]) and return it as float32."""
    if not np.issubdtype(x.dtype, np.floating):
        raise UserInputError(f"{where}: 'x' must be floats in [0, 1], got dtype {x.dtype}"
                             + (" (for 8-bit pixels: x.astype('float32') / 255)"
                                if np.issubdtype(x.dtype, np.integer) else ""))
    if x.ndim != 4:
        raise UserInputError(f"{where}: 'x' must have shape (N, C, H, W), got {x.shape}")
    if len(x) == 0:
        raise UserInputError(f"{where}: 'x' holds no inputs")
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).reshape(len(x), -1).any(axis=1).sum())
        raise UserInputError(f"{where}: 'x' contains NaN or infinite values (in {bad} inputs)")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise UserInputError(f"{where}: 'x' values must lie in [0, 1], found [{lo:.3g}, {hi:.3g}]")
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
