"""Recognise user data on disk by its content and layout, and hand it to the matching loader.

Recognition never trusts a name alone: a file is an ``.npz`` when it starts like a zip archive
(or a ``.npy``, to explain the mistake); a folder is CIFAR-10 when it holds the batch files,
GTSRB when it has the published folders, an image folder when its sub-folders hold images.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from trojanscope.data import cifar10, gtsrb
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.image_folder import IMAGE_SUFFIXES, load_image_folder, looks_like_image_folder
from trojanscope.data.npz import NPY_MAGIC, ZIP_MAGICS, load_npz
from trojanscope.errors import UserInputError

# Format name -> one-line description, in the order they are tried.
FORMATS: dict[str, str] = {
    "npz": ".npz file with arrays x (N, C, H, W floats in [0, 1]) and y (int labels)",
    "cifar10": "CIFAR-10 python batches (data_batch_1..5, test_batch, or their parent folder)",
    "gtsrb": "GTSRB folder (Final_Training/, Final_Test/; or Kaggle's Train/, Test/, *.csv)",
    "image_folder": "image folder with one sub-folder per class (png, jpg, jpeg, bmp, gif, webp)",
}

LOADERS: dict[str, Callable[[Path, str], TensorDataset]] = {
    "npz": load_npz,
    "cifar10": cifar10.load_cifar10,
    "gtsrb": gtsrb.load_gtsrb,
    "image_folder": load_image_folder,
}


def detect_format(path: Path) -> str | None:
    """The name of the format of ``path`` (a key of :data:`FORMATS`), or None."""
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith((*ZIP_MAGICS, NPY_MAGIC)) or path.suffix.lower() == ".npz":
            return "npz"
        return None
    if path.is_dir():
        if cifar10.find_root(path) is not None:
            return "cifar10"
        if gtsrb.find_root(path) is not None:
            return "gtsrb"
        if looks_like_image_folder(path):
            return "image_folder"
    return None


def load_path(path: Path, split: str) -> TensorDataset:
    """Load ``split`` (``train``, ``test`` or ``all``) of the user data at ``path``.

    Raises :class:`UserInputError` listing the supported formats when ``path`` is none of them.
    """
    path = Path(path)
    fmt = detect_format(path)
    if fmt is None:
        supported = "; ".join(FORMATS.values())
        raise UserInputError(f"{path}: unrecognised data{_hint(path)}; supported: {supported}")
    return LOADERS[fmt](path, split)


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
