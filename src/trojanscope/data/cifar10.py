"""Load CIFAR-10 in its published "python version" layout, without trusting the pickles.

Layout (the folder ``cifar-10-batches-py`` from ``cifar-10-python.tar.gz``, or its parent)::

    data_batch_1 ... data_batch_5   training batches, 10,000 images each
    test_batch                      test batch, 10,000 images
    batches.meta                    optional: b'label_names'

Each batch is a pickled dict (written by Python 2) with ``b'data'``, uint8 of shape (N, 3072),
rows holding the red, green, then blue 32x32 planes, and ``b'labels'``, a list of ints. The
pickles are read by :class:`RestrictedUnpickler`, which admits only the globals NumPy needs
to rebuild an array and refuses every other one, so a crafted batch cannot run code.

Splits come from the files: ``train`` = the five data batches, ``test`` = ``test_batch``,
``all`` = both (train first). Class names come from ``batches.meta`` when present.
"""

from __future__ import annotations

import codecs
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from trojanscope.data.data_format import DataFormat
from trojanscope.data.dataset import TensorDataset, check_split, make_dataset
from trojanscope.errors import UserInputError
from trojanscope.registry import register

try:  # NumPy >= 2
    from numpy._core.multiarray import _reconstruct, scalar
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import _reconstruct, scalar  # type: ignore[no-redef]

FOLDER = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILES = ("test_batch",)
META_FILE = "batches.meta"
CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
SIDE = 32


_TEXT_CODECS = frozenset({"latin1", "latin-1", "iso-8859-1", "iso8859-1", "utf-8", "utf8"})


def _latin1_encode(obj: str, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` limited to the text codecs pickle uses to rebuild ``bytes``.

    The codec name is checked before any lookup, so a pickle cannot pick an arbitrary codec.
    """
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in _TEXT_CODECS:
        raise pickle.UnpicklingError(f"codec {encoding!r} is not allowed")
    if not isinstance(obj, str) or errors != "strict":
        raise pickle.UnpicklingError("_codecs.encode may only encode text")
    return codecs.encode(obj, encoding)


class _NdarrayToken:
    """Stands for ``numpy.ndarray`` in a pickle: usable only as ``_reconstruct``'s first argument,
    so a pickle cannot call ``ndarray(shape)`` itself (an uninitialised allocation of any size)."""


_NDARRAY = _NdarrayToken()


def _safe_reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """``_reconstruct`` as NumPy's own pickles call it: an empty base array, filled by BUILD."""
    if subtype is not _NDARRAY or tuple(shape) != (0,):
        raise pickle.UnpicklingError("unexpected arguments to numpy _reconstruct")
    return _reconstruct(np.ndarray, (0,), dtype)


# (module, name) -> the object it stands for. Both NumPy module paths occur in real files:
# ``numpy.core`` in pickles written by NumPy 1 (CIFAR's own), ``numpy._core`` by NumPy 2.
_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy.core.multiarray", "scalar"): scalar,
    ("numpy._core.multiarray", "scalar"): scalar,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only NumPy's array-rebuilding globals.

    Every global a pickle names (``GLOBAL``, ``STACK_GLOBAL``, ``INST``, extension codes) goes
    through :meth:`find_class`; anything outside the allow-list raises :class:`UserInputError`
    naming the refused global, before it is imported or called. Modules are never imported
    by name: the allowed objects are bound at import time of this module.
    """

    def __init__(self, file: Any, *, source: str) -> None:
        super().__init__(file, encoding="bytes")
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        obj = _ALLOWED.get((module, name))
        if obj is None:
            raise UserInputError(
                f"{self.source}: refused to load: the pickle asks for global {module}.{name}, "
                "which a CIFAR-10 batch never needs (possible malicious file)"
            )
        return obj

    def persistent_load(self, pid: Any) -> Any:
        raise UserInputError(f"{self.source}: refused to load: persistent ids are not allowed")


def restricted_load(path: Path) -> Any:
    """Unpickle ``path`` with :class:`RestrictedUnpickler`; damaged files raise UserInputError."""
    try:
        with path.open("rb") as fh:
            return RestrictedUnpickler(fh, source=str(path)).load()
    except UserInputError:
        raise
    except Exception as exc:  # any parse failure of untrusted bytes is a bad-input error
        text = " ".join(str(exc).split()) or type(exc).__name__
        raise UserInputError(f"{path}: not a readable CIFAR-10 batch pickle ({text})") from None


def find_root(path: Path) -> Path | None:
    """The batch folder for ``path`` (itself or its ``cifar-10-batches-py``), else None."""
    for cand in (path, path / FOLDER):
        if cand.is_dir() and any((cand / f).is_file() for f in (*TRAIN_FILES, *TEST_FILES)):
            return cand
    return None


def load_cifar10(path: Path, split: str = "train") -> TensorDataset:
    """Load ``split`` of the CIFAR-10 python batches in ``path`` or ``path/cifar-10-batches-py``."""
    check_split(split)
    root = find_root(path)
    if root is None:
        raise UserInputError(
            f"{path}: no CIFAR-10 batches found (expected data_batch_1..5 and test_batch, "
            f"here or in {FOLDER}/)"
        )
    names = {"train": TRAIN_FILES, "test": TEST_FILES, "all": TRAIN_FILES + TEST_FILES}[split]
    missing = [n for n in names if not (root / n).is_file()]
    if missing:
        raise UserInputError(
            f"{root}: CIFAR-10 folder is missing {', '.join(missing)} (needed for split {split!r})"
        )
    xs, ys = [], []
    for n in names:
        x, y = _read_batch(root / n)
        xs.append(x)
        ys.append(y)
    class_names = _class_names(root)
    x_all = np.concatenate(xs) if len(xs) > 1 else xs[0]
    images = (x_all.reshape(-1, 3, SIDE, SIDE) / np.float32(255.0)).astype(np.float32, copy=False)
    return make_dataset(
        images,
        np.concatenate(ys),
        class_names=class_names,
        name=f"cifar10:{split}",
        source=str(root),
    )


def _get(d: dict[Any, Any], key: str) -> Any:
    """``d[key]`` accepting bytes keys (Python 2 pickles) and str keys alike."""
    if key.encode() in d:
        return d[key.encode()]
    return d.get(key)


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = restricted_load(path)
    if not isinstance(batch, dict):
        raise UserInputError(f"{path}: a CIFAR-10 batch must be a dict, got {type(batch).__name__}")
    data, labels = _get(batch, "data"), _get(batch, "labels")
    if data is None or labels is None:
        raise UserInputError(f"{path}: a CIFAR-10 batch needs keys b'data' and b'labels'")
    if not isinstance(data, np.ndarray):
        raise UserInputError(f"{path}: b'data' must be a uint8 array, got {type(data).__name__}")
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * SIDE * SIDE:
        raise UserInputError(
            f"{path}: b'data' must be uint8 of shape (N, 3072), "
            f"got dtype {data.dtype} shape {data.shape}"
        )
    if not isinstance(labels, list | tuple | np.ndarray) or len(labels) != len(data):
        raise UserInputError(
            f"{path}: b'labels' must be a list of {len(data)} ints (one per row of b'data')"
        )
    try:
        y = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        raise UserInputError(f"{path}: b'labels' must be a list of ints") from None
    if y.ndim != 1:
        raise UserInputError(f"{path}: b'labels' must be a flat list of ints")
    return data, y


def _class_names(root: Path) -> tuple[str, ...]:
    meta_path = root / META_FILE
    if not meta_path.is_file():
        return CLASS_NAMES
    meta = restricted_load(meta_path)
    names = _get(meta, "label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, bytes | str) for n in names):
        raise UserInputError(f"{meta_path}: expected a dict with b'label_names', a list of names")
    return tuple(n.decode("utf-8", errors="replace") if isinstance(n, bytes) else n for n in names)


@register("data-format", "cifar10")
class Cifar10Format(DataFormat):
    """CIFAR-10 python batches (data_batch_1..5, test_batch, or their parent folder)."""

    order = 20
    description = "CIFAR-10 python batches (data_batch_1..5, test_batch, or their parent folder)"

    def matches(self, path: Path) -> bool:
        return path.is_dir() and find_root(path) is not None

    def load(self, path: Path, split: str) -> TensorDataset:
        return load_cifar10(path, split)
