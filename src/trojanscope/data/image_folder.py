"""Load user data from an image folder: one sub-folder per class, image files inside.

Layout::

    root/
      cat/  0001.png  0002.jpg ...
      dog/  a.png ...

- Classes are the sub-folder names in sorted order; label ``i`` is the ``i``-th name. Hidden
  folders (starting with ``.``) and ``__MACOSX`` are skipped; files are not searched recursively.
- Image files: ``.png``, ``.jpg``, ``.jpeg``, ``.bmp``, ``.gif``, ``.webp`` (case-insensitive),
  decoded with Pillow, which is only allowed the matching decoders. Other files are ignored.
- Colour: every image is converted to the mode of the majority, grayscale (``L``, one channel)
  or colour (``RGB``, three channels); a tie goes to RGB. Alpha is dropped, palette images count
  as colour, 16-bit grayscale is scaled by 1/65535.
- Size: every image is resized (bilinear) to the most common size among the images (ties: the
  size met first in sorted order), or to ``size`` when given, as ``(height, width)`` or one int.
- There is no split in the folder: ``train``/``test`` are the fixed stratified 80/20 split of
  :func:`~trojanscope.data.dataset.select_split`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from trojanscope.data.data_format import DataFormat
from trojanscope.data.dataset import TensorDataset, check_split, select_split
from trojanscope.errors import UserInputError
from trojanscope.registry import register

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
# Pillow decoders allowed for those suffixes (Image.open tries no other format).
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP")
TEST_FRACTION = 0.2

_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N"})
_WIDE_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
_SKIP_DIRS = frozenset({"__MACOSX"})


def is_image_file(path: Path) -> bool:
    """True for a visible file whose suffix is one of :data:`IMAGE_SUFFIXES`."""
    return (
        path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def class_dirs(root: Path) -> list[Path]:
    """The visible sub-folders of ``root``, sorted by name."""
    return sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
         and p.name not in _SKIP_DIRS),
        key=lambda p: p.name,
    )


def list_images(folder: Path) -> list[Path]:
    """Image files directly inside ``folder``, sorted by name."""
    return sorted((p for p in folder.iterdir() if is_image_file(p)), key=lambda p: p.name)


def looks_like_image_folder(path: Path) -> bool:
    """True when some sub-folder of ``path`` holds an image file (the layout, not the suffix)."""
    if not path.is_dir():
        return False
    return any(any(is_image_file(p) for p in d.iterdir()) for d in class_dirs(path))


def read_image(path: Path, formats: Sequence[str] = IMAGE_FORMATS) -> Image.Image:
    """Open and fully decode one image, allowing only ``formats``; failures name the file."""
    try:
        with Image.open(path, formats=list(formats)) as img:
            img.load()
            return img
    except Image.DecompressionBombError as exc:
        raise UserInputError(f"{path}: image too large to decode safely ({exc})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        kinds = ", ".join(formats)
        raise UserInputError(f"{path}: unreadable image, expected {kinds} ({exc})") from None


def is_gray(img: Image.Image) -> bool:
    """True for single-channel modes (alpha aside); palette images count as colour."""
    return img.mode in _GRAY_MODES


def image_array(img: Image.Image, *, gray: bool, size_hw: tuple[int, int]) -> np.ndarray:
    """``img`` as float32 (C, H, W) in [0, 1], converted to L (``gray``) or RGB and resized.

    Resizing is bilinear (Pillow's, antialiased when shrinking); nothing is done when the image
    already has ``size_hw``.
    """
    h, w = size_hw
    if img.mode in _WIDE_MODES:
        wide = np.asarray(img, dtype=np.float32) / 65535.0
        plane = Image.fromarray(np.clip(wide, 0.0, 1.0).astype(np.float32))
        if plane.size != (w, h):
            plane = plane.resize((w, h), Image.Resampling.BILINEAR)
        arr = np.clip(np.asarray(plane, dtype=np.float32), 0.0, 1.0)[None]
        return arr if gray else np.repeat(arr, 3, axis=0)
    if img.mode == "F":
        raise UserInputError("floating-point images are not supported")
    img = img.convert("L" if gray else "RGB")
    if img.size != (w, h):
        img = img.resize((w, h), Image.Resampling.BILINEAR)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    return arr[None] if gray else arr.transpose(2, 0, 1)


def parse_size(size: int | tuple[int, int] | None, where: str) -> tuple[int, int] | None:
    """Normalize a ``size`` option to ``(height, width)``; an int means a square."""
    if size is None:
        return None
    hw = (size, size) if isinstance(size, int) else tuple(size)
    if len(hw) != 2 or not all(isinstance(v, int) and v >= 1 for v in hw):
        raise UserInputError(
            f"{where}: size must be a positive int or (height, width), got {size!r}"
        )
    return hw[0], hw[1]


def load_image_folder(
    path: Path, split: str = "train", *, size: int | tuple[int, int] | None = None
) -> TensorDataset:
    """Load ``split`` of the image folder at ``path`` (see the module docstring for the rules)."""
    check_split(split)
    target = parse_size(size, str(path))
    classes = class_dirs(path)
    files: list[Path] = []
    labels: list[int] = []
    for label, folder in enumerate(classes):
        images = list_images(folder)
        if not images:
            suffixes = ", ".join(s.lstrip(".") for s in IMAGE_SUFFIXES)
            raise UserInputError(f"{folder}: class folder has no images ({suffixes})")
        files += images
        labels += [label] * len(images)
    if not files:
        if any(is_image_file(p) for p in path.iterdir()):
            raise UserInputError(
                f"{path}: images lie directly in the folder; put them in one sub-folder per class"
            )
        raise UserInputError(f"{path}: no class sub-folders with images found")

    # First pass reads headers only: the majority mode and the most common size.
    sizes: Counter[tuple[int, int]] = Counter()
    n_gray = 0
    for f in files:
        try:
            with Image.open(f, formats=list(IMAGE_FORMATS)) as img:
                sizes[(img.height, img.width)] += 1
                n_gray += is_gray(img)
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise UserInputError(f"{f}: unreadable image ({exc})") from None
    gray = n_gray > len(files) - n_gray
    size_hw = target or sizes.most_common(1)[0][0]
    resized = sum(n for hw, n in sizes.items() if hw != size_hw)
    if resized:
        log.info("%s: resizing %d of %d images to %dx%d", path, resized, len(files), *size_hw)

    x = np.empty((len(files), 1 if gray else 3, *size_hw), dtype=np.float32)
    for i, f in enumerate(files):
        img = read_image(f)
        try:
            x[i] = image_array(img, gray=gray, size_hw=size_hw)
        except UserInputError as exc:
            raise UserInputError(f"{f}: {exc}") from None
    return select_split(
        x,
        np.asarray(labels, dtype=np.int64),
        split,
        TEST_FRACTION,
        name=path.name,
        source=str(path),
        class_names=[c.name for c in classes],
    )


@register("data-format", "image_folder")
class ImageFolderFormat(DataFormat):
    """Image folder with one sub-folder per class (png, jpg, jpeg, bmp, gif, webp)."""

    order = 40
    description = "image folder with one sub-folder per class (png, jpg, jpeg, bmp, gif, webp)"

    def matches(self, path: Path) -> bool:
        return path.is_dir() and looks_like_image_folder(path)

    def load(self, path: Path, split: str) -> TensorDataset:
        return load_image_folder(path, split)
