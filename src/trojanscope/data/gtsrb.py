"""Load GTSRB (German Traffic Sign Recognition Benchmark, 43 classes) from its published layouts.

Official layout (the ``GTSRB`` folder of the published zips, or its parent)::

    Final_Training/Images/00000/00000_00000.ppm ...   one folder per class
    Final_Training/Images/00000/GT-00000.csv          per-class annotations
    Final_Test/Images/00000.ppm ...
    Final_Test/Images/GT-final_test.csv               test labels (separate "Final_Test_GT" zip;
                                                      also looked for in Final_Test/ and the root)

The CSVs are semicolon-separated with the columns
``Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId``; ``Filename`` is relative to the
CSV's folder.

Kaggle layout ("GTSRB - German Traffic Sign Recognition Benchmark")::

    Train/<ClassId>/*.png    Test/*.png    Train.csv    Test.csv

with comma-separated CSVs holding ``Path`` (relative to the root), ``ClassId`` and the same
``Roi.*`` columns. ``Train.csv`` is optional (then labels come from the folder names);
``Test.csv`` is needed for the test split.

Each image is cropped to its ROI (``Roi.X1``/``Roi.Y1`` inclusive, ``Roi.X2``/``Roi.Y2``
exclusive, clipped to the image), converted to RGB and resized (bilinear) to ``size``
(default 32x32). Splits come from the layout: ``train``, ``test``, ``all`` = train then test.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trojanscope.data.data_format import DataFormat
from trojanscope.data.dataset import TensorDataset, check_split, make_dataset
from trojanscope.data.image_folder import image_array, parse_size, read_image
from trojanscope.errors import UserInputError
from trojanscope.registry import register

NUM_CLASSES = 43
# Sign names in ClassId order (as in the dataset's description).
CLASS_NAMES = (
    "Speed limit (20km/h)",
    "Speed limit (30km/h)",
    "Speed limit (50km/h)",
    "Speed limit (60km/h)",
    "Speed limit (70km/h)",
    "Speed limit (80km/h)",
    "End of speed limit (80km/h)",
    "Speed limit (100km/h)",
    "Speed limit (120km/h)",
    "No passing",
    "No passing for vehicles over 3.5 metric tons",
    "Right-of-way at the next intersection",
    "Priority road",
    "Yield",
    "Stop",
    "No vehicles",
    "Vehicles over 3.5 metric tons prohibited",
    "No entry",
    "General caution",
    "Dangerous curve to the left",
    "Dangerous curve to the right",
    "Double curve",
    "Bumpy road",
    "Slippery road",
    "Road narrows on the right",
    "Road work",
    "Traffic signals",
    "Pedestrians",
    "Children crossing",
    "Bicycles crossing",
    "Beware of ice/snow",
    "Wild animals crossing",
    "End of all speed and passing limits",
    "Turn right ahead",
    "Turn left ahead",
    "Ahead only",
    "Go straight or right",
    "Go straight or left",
    "Keep right",
    "Keep left",
    "Roundabout mandatory",
    "End of no passing",
    "End of no passing by vehicles over 3.5 metric tons",
)
TRAIN_DIR = Path("Final_Training", "Images")
TEST_DIR = Path("Final_Test", "Images")
TEST_GT = "GT-final_test.csv"
ROI_COLUMNS = ("Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2")
IMAGE_FORMATS = ("PPM", "PNG", "JPEG")


@dataclass(frozen=True)
class _Sample:
    file: Path
    label: int
    roi: tuple[int, int, int, int] | None
    where: str  # "csv:line", for errors about this row


def find_root(path: Path) -> tuple[Path, str] | None:
    """``(root, "official" | "kaggle")`` when ``path`` holds a GTSRB layout, else None."""
    for cand in (path, path / "GTSRB"):
        if (cand / "Final_Training").is_dir() or (cand / "Final_Test").is_dir():
            return cand, "official"
    has_csv = (path / "Train.csv").is_file() or (path / "Test.csv").is_file()
    if has_csv and ((path / "Train").is_dir() or (path / "Test").is_dir()):
        return path, "kaggle"
    return None


def load_gtsrb(
    path: Path, split: str = "train", *, size: int | tuple[int, int] = 32
) -> TensorDataset:
    """Load ``split`` of the GTSRB tree at ``path``: ROI-cropped RGB images resized to ``size``."""
    check_split(split)
    size_hw = parse_size(size, str(path)) or (32, 32)
    found = find_root(path)
    if found is None:
        raise UserInputError(
            f"{path}: no GTSRB layout found (expected Final_Training/ and Final_Test/, "
            "or Kaggle's Train/, Test/ with Train.csv/Test.csv)"
        )
    root, layout = found
    parts = ("train", "test") if split == "all" else (split,)
    samples: list[_Sample] = []
    for part in parts:
        if layout == "official":
            samples += _official_train(root) if part == "train" else _official_test(root)
        else:
            samples += _kaggle_train(root) if part == "train" else _kaggle_test(root)
    if not samples:
        raise UserInputError(f"{root}: no GTSRB images listed for split {split!r}")
    x = np.empty((len(samples), 3, *size_hw), dtype=np.float32)
    for i, s in enumerate(samples):
        img = read_image(s.file, IMAGE_FORMATS)
        if s.roi is not None:
            x1, y1, x2, y2 = s.roi
            x1, y1 = max(0, x1), max(0, y1)
            x2, y2 = min(img.width, x2), min(img.height, y2)
            if x2 <= x1 or y2 <= y1:
                raise UserInputError(f"{s.where}: ROI {s.roi} is empty inside the image {s.file}")
            img = img.crop((x1, y1, x2, y2))
        x[i] = image_array(img, gray=False, size_hw=size_hw)
    y = np.array([s.label for s in samples], dtype=np.int64)
    return make_dataset(x, y, class_names=CLASS_NAMES, name=f"gtsrb:{split}", source=str(root))


def _official_train(root: Path) -> list[_Sample]:
    images = root / TRAIN_DIR
    if not images.is_dir():
        raise UserInputError(f"{root}: GTSRB training images missing (expected {TRAIN_DIR}/)")
    class_dirs = sorted(d for d in images.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not class_dirs:
        raise UserInputError(f"{images}: no class folders (expected 00000/ ... 00042/)")
    samples: list[_Sample] = []
    for d in class_dirs:
        csv_path = d / f"GT-{d.name}.csv"
        if not csv_path.is_file():
            raise UserInputError(f"{d}: missing annotation file {csv_path.name}")
        samples += _read_csv(csv_path, ";", "Filename", base=d)
    return samples


def _official_test(root: Path) -> list[_Sample]:
    images = root / TEST_DIR
    if not images.is_dir():
        raise UserInputError(f"{root}: GTSRB test images missing (expected {TEST_DIR}/)")
    for folder in (images, images.parent, root):
        if (folder / TEST_GT).is_file():
            return _read_csv(folder / TEST_GT, ";", "Filename", base=images)
    raise UserInputError(
        f"{root}: GTSRB test labels missing: put {TEST_GT} (from GTSRB_Final_Test_GT.zip) "
        f"in {TEST_DIR}/"
    )


def _kaggle_train(root: Path) -> list[_Sample]:
    if (root / "Train.csv").is_file():
        return _read_csv(root / "Train.csv", ",", "Path", base=root)
    train = root / "Train"
    if not train.is_dir():
        raise UserInputError(f"{root}: GTSRB training data missing (expected Train/ or Train.csv)")
    samples: list[_Sample] = []
    for d in sorted(train.iterdir()):
        if not d.is_dir() or d.name.startswith("."):
            continue
        label = _class_id(d.name, str(d))
        samples += [
            _Sample(f, label, None, str(f))
            for f in sorted(d.iterdir())
            if f.is_file() and f.suffix.lower() in (".png", ".ppm", ".jpg", ".jpeg")
        ]
    return samples


def _kaggle_test(root: Path) -> list[_Sample]:
    if not (root / "Test.csv").is_file():
        raise UserInputError(f"{root}: GTSRB test labels missing (expected Test.csv)")
    return _read_csv(root / "Test.csv", ",", "Path", base=root)


def _class_id(text: str, where: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise UserInputError(f"{where}: ClassId {text!r} is not an integer") from None
    if not 0 <= value < NUM_CLASSES:
        raise UserInputError(f"{where}: ClassId {value} outside [0, {NUM_CLASSES - 1}]")
    return value


def _read_csv(csv_path: Path, delimiter: str, path_column: str, *, base: Path) -> list[_Sample]:
    """Rows of a GTSRB annotation CSV; image paths must stay inside ``base``."""
    try:
        with csv_path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh, delimiter=delimiter)
            header = [h.strip() for h in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [c for c in (path_column, "ClassId") if c not in header]
            if missing:
                raise UserInputError(
                    f"{csv_path}: missing column(s) {', '.join(missing)} "
                    f"(expected {delimiter!r}-separated columns incl. {path_column} and ClassId)"
                )
            use_roi = all(c in header for c in ROI_COLUMNS)
            rows = list(enumerate(reader, start=2))
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{csv_path}: not a text CSV file ({exc})") from None
    except csv.Error as exc:
        raise UserInputError(f"{csv_path}: malformed CSV ({exc})") from None
    base_resolved = base.resolve()
    samples = []
    for line, row in rows:
        where = f"{csv_path}:{line}"
        rel = (row.get(path_column) or "").strip()
        if not rel:
            raise UserInputError(f"{where}: empty {path_column}")
        file = (base / rel).resolve()
        if not file.is_relative_to(base_resolved):
            raise UserInputError(f"{where}: {path_column} {rel!r} points outside {base}")
        if not file.is_file():
            raise UserInputError(f"{where}: image {rel!r} not found in {base}")
        label = _class_id(row.get("ClassId") or "", where)
        roi = None
        if use_roi:
            try:
                x1, y1, x2, y2 = (int((row.get(c) or "").strip()) for c in ROI_COLUMNS)
            except ValueError:
                raise UserInputError(f"{where}: Roi.X1..Roi.Y2 must be integers") from None
            roi = (x1, y1, x2, y2)
        samples.append(_Sample(file, label, roi, where))
    return samples


@register("data-format", "gtsrb")
class GtsrbFormat(DataFormat):
    """GTSRB folder (Final_Training/, Final_Test/; or Kaggle's Train/, Test/, *.csv)."""

    order = 30
    description = "GTSRB folder (Final_Training/, Final_Test/; or Kaggle's Train/, Test/, *.csv)"

    def matches(self, path: Path) -> bool:
        return path.is_dir() and find_root(path) is not None

    def load(self, path: Path, split: str) -> TensorDataset:
        return load_gtsrb(path, split)
