"""Load user data from an ``.npz`` archive: arrays ``x`` and ``y``, optionally ``poison``.

The archive is opened with ``allow_pickle=False``: object arrays (which NumPy stores as pickles)
are refused, never unpickled. Expected keys:

- ``x``: floating point, shape (N, C, H, W), values in [0, 1]; float16/float64 are converted
  to float32. Integer pixels are refused (divide by 255 first), so the scale is never guessed.
- ``y``: integer labels, shape (N,), in ``[0, num_classes)``.
- ``poison`` (optional): boolean mask, shape (N,), True for known poisoned samples.
- ``class_names`` (optional): strings, shape (num_classes,); otherwise classes are named
  ``"0" .. str(max(y))``.

Other keys are ignored. There is no split in the file: ``train``/``test`` are the fixed stratified
80/20 split of :func:`~trojanscope.data.dataset.select_split`.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from trojanscope.data.data_format import DataFormat
from trojanscope.data.dataset import TensorDataset, check_split, select_split
from trojanscope.errors import UserInputError
from trojanscope.io.npz_words import channels_last, integer_pixels
from trojanscope.registry import register

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
NPY_MAGIC = b"\x93NUMPY"
TEST_FRACTION = 0.2
REQUIRED_KEYS = ("x", "y")

# What reading a damaged archive can raise: zip structure, inflate, short reads, bad headers.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError)


def _head(path: Path) -> bytes:
    """The first bytes of the file at ``path`` (empty when it cannot be read)."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(8)
    except OSError:
        return b""


def is_zip_archive(path: Path) -> bool:
    """Whether the file at ``path`` is a zip archive (what an ``.npz`` is) by its first bytes,
    as numpy decides, whatever its name says: an ``.npy`` renamed ``.npz``, a truncated or
    foreign file is not, and numpy would return a bare array or fail unnamed on it."""
    return _head(path).startswith(ZIP_MAGICS)


def is_npy_array(path: Path) -> bool:
    """Whether the file at ``path`` is a single ``.npy`` array by its first bytes."""
    return _head(path).startswith(NPY_MAGIC)


def load_npz(path: Path, split: str = "train") -> TensorDataset:
    """Load ``split`` of the ``.npz`` file at ``path``; any problem is a :class:`UserInputError`."""
    check_split(split)
    if is_npy_array(path):
        raise UserInputError(
            f"{path}: a single .npy array, not an .npz archive; save x and y together with "
            "numpy.savez(path, x=x, y=y)"
        )
    if not is_zip_archive(path):
        raise UserInputError(f"{path}: not a valid .npz file (it is not a zip archive)")
    arrays = _read_arrays(path)
    x, y = arrays["x"], arrays["y"]
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        raise UserInputError(integer_pixels(str(path), x.dtype, x.shape))
    if channels_last(x.shape):
        raise UserInputError(
            f"{path}: 'x' has shape {x.shape}, which looks channels-last (N, H, W, C); "
            "expected (N, C, H, W): use x.transpose(0, 3, 1, 2)"
        )
    class_names = _class_names(path, arrays.get("class_names"))
    return select_split(
        x,
        y,
        split,
        TEST_FRACTION,
        name=path.name,
        source=str(path),
        class_names=class_names,
        poison_mask=arrays.get("poison"),
    )


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Read the arrays we use from the archive, turning any read failure into one clear error."""
    from trojanscope.data.npz_guard import check_npz

    wanted = (*REQUIRED_KEYS, "poison", "class_names")
    check_npz(path)  # sizes from the directory and headers, before numpy allocates
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = list(npz.files)
            missing = [k for k in REQUIRED_KEYS if k not in keys]
            if missing:
                found = ", ".join(repr(k) for k in keys) or "none"
                raise UserInputError(
                    f"{path}: missing array(s) {', '.join(repr(k) for k in missing)}; "
                    f"found {found} (expected 'x', 'y' and optionally 'poison', 'class_names')"
                )
            return {k: npz[k] for k in wanted if k in keys}
    except UserInputError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "pickled" in str(exc):
            raise UserInputError(
                f"{path}: contains an object array (pickled data), which is never loaded; "
                "store plain numeric arrays"
            ) from None
        raise UserInputError(f"{path}: cannot read .npz archive ({_one_line(exc)})") from None
    except _READ_ERRORS as exc:
        raise UserInputError(
            f"{path}: cannot read .npz archive, truncated or corrupt ({_one_line(exc)})"
        ) from None


def _class_names(path: Path, names: np.ndarray | None) -> list[str] | None:
    if names is None:
        return None
    if names.ndim != 1 or names.dtype.kind not in "US":
        raise UserInputError(
            f"{path}: 'class_names' must be a 1-D array of strings, "
            f"got dtype {names.dtype} shape {names.shape}"
        )
    if names.dtype.kind == "S":
        return [n.decode("utf-8", errors="replace") for n in names.tolist()]
    return [str(n) for n in names.tolist()]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@register("data-format", "npz")
class NpzFormat(DataFormat):
    """.npz file with arrays x (N, C, H, W floats in [0, 1]) and y (int labels)."""

    order = 10
    description = ".npz file with arrays x (N, C, H, W floats in [0, 1]) and y (int labels)"

    def matches(self, path: Path) -> bool:
        if not path.is_file():
            return False
        with path.open("rb") as fh:
            head = fh.read(8)
        return head.startswith((*ZIP_MAGICS, NPY_MAGIC)) or path.suffix.lower() == ".npz"

    def load(self, path: Path, split: str) -> TensorDataset:
        return load_npz(path, split)
