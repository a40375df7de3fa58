"""User data loaders: round trips on tiny files written here, every bad input, and safety."""

from __future__ import annotations

import csv
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from trojanscope.data import load_dataset
from trojanscope.data.cifar10 import CLASS_NAMES as CIFAR_NAMES
from trojanscope.data.cifar10 import RestrictedUnpickler, load_cifar10
from trojanscope.data.dataset import select_split
from trojanscope.data.files import detect_format, load_path
from trojanscope.data.gtsrb import CLASS_NAMES as GTSRB_NAMES
from trojanscope.data.gtsrb import load_gtsrb
from trojanscope.data.image_folder import load_image_folder
from trojanscope.data.npz import load_npz
from trojanscope.errors import UserInputError

# ---------------------------------------------------------------------------------------- npz


def _xy(n: int = 20, classes: int = 2, c: int = 1, hw: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((n, c, hw, hw)).astype(np.float32), np.arange(n) % classes


def _npz(tmp_path: Path, name: str = "d.npz", **arrays: np.ndarray) -> Path:
    path = tmp_path / name
    with path.open("wb") as fh:
        np.savez(fh, **arrays)
    return path


def test_npz_round_trip_with_poison_mask_and_splits(tmp_path: Path) -> None:
    x, y = _xy(20)
    poison = np.zeros(20, dtype=bool)
    poison[[3, 7]] = True
    path = _npz(tmp_path, x=x, y=y, poison=poison)
    full = load_npz(path, "all")
    assert full.x.dtype == torch.float32 and full.input_shape == (1, 4, 4)
    np.testing.assert_array_equal(full.x.numpy(), x)
    np.testing.assert_array_equal(full.y.numpy(), y)
    assert full.poison_mask is not None and full.poison_mask.sum().item() == 2
    assert full.class_names == ("0", "1")
    train, test = load_npz(path, "train"), load_npz(path, "test")
    assert (len(train), len(test)) == (16, 4)
    assert sorted(test.y.tolist()) == [0, 0, 1, 1]  # stratified
    rows = {tuple(r.flatten().tolist()) for r in torch.cat([train.x, test.x])}
    assert len(rows) == 20  # disjoint and complete
    assert train.poison_mask is not None and test.poison_mask is not None
    assert int(train.poison_mask.sum() + test.poison_mask.sum()) == 2
    # the split is fixed
    assert torch.equal(load_npz(path, "test").x, test.x)


def test_npz_converts_float64_and_float16_and_reads_class_names(tmp_path: Path) -> None:
    x, y = _xy(10)
    names = np.array(["cat", "dog"])
    for dtype in (np.float64, np.float16):
        name = f"{np.dtype(dtype).name}.npz"
        path = _npz(tmp_path, name, x=x.astype(dtype), y=y, class_names=names)
        ds = load_npz(path, "all")
        assert ds.x.dtype == torch.float32
        np.testing.assert_allclose(ds.x.numpy(), x.astype(dtype).astype(np.float32))
        assert ds.class_names == ("cat", "dog")


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": _xy()[0]}, "missing array(s) 'y'; found 'x'"),
        ({"y": _xy()[1]}, "missing array(s) 'x'"),
        ({"x": (_xy()[0] * 255).astype(np.uint8), "y": _xy()[1]}, "integer dtype uint8"),
        ({"x": _xy()[0][:, 0], "y": _xy()[1]}, "must have shape N"),
        ({"x": _xy()[0].transpose(0, 2, 3, 1)[:, :, :, :1].repeat(3, 3), "y": _xy()[1]},
         "channels-last"),
        ({"x": np.where(np.arange(20)[:, None, None, None] == 5, np.nan, _xy()[0]), "y": _xy()[1]},
         "NaN or Inf"),
        ({"x": np.full((20, 1, 4, 4), np.inf, np.float32), "y": _xy()[1]}, "NaN or Inf"),
        ({"x": _xy()[0] * 255, "y": _xy()[1]}, "must lie in [0, 1]"),
        ({"x": _xy()[0], "y": _xy()[1] - 1}, "labels must lie in"),
        ({"x": _xy()[0], "y": _xy()[1] + 1, "class_names": np.array(["a", "b"])},
         "labels must lie in [0, 1]"),
        ({"x": _xy()[0], "y": _xy()[1].astype(np.float32)}, "'y' must be a 1-D integer array"),
        ({"x": _xy()[0], "y": _xy()[1][:10]}, "has 20 samples but 'y' has 10"),
        ({"x": _xy()[0], "y": _xy()[1], "poison": np.zeros(20, np.int64)}, "'poison' must be"),
        ({"x": _xy()[0], "y": _xy()[1], "poison": np.zeros(3, bool)}, "'poison' must be"),
        ({"x": _xy()[0], "y": _xy()[1], "class_names": np.arange(2)}, "'class_names' must be"),
        ({"x": _xy()[0][:0], "y": _xy()[1][:0]}, "empty"),
        ({"x": _xy()[0], "y": np.zeros(20, np.int64)}, "at least 2 classes"),
    ],
)
def test_npz_bad_inputs(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    path = _npz(tmp_path, **arrays)
    with pytest.raises(UserInputError) as err:
        load_npz(path, "all")
    assert str(path) in str(err.value)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_npz_truncated_and_corrupt(tmp_path: Path) -> None:
    x, y = _xy()
    good = _npz(tmp_path, x=x, y=y).read_bytes()
    cases = {
        "half.npz": good[: len(good) // 2],
        "tail.npz": good[:-30],
        "flipped.npz": bytes(b ^ 0xFF if i == 200 else b for i, b in enumerate(good)),
        "garbage.npz": b"not a zip at all",
        "empty.npz": b"",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UserInputError, match=r"corrupt|not a valid|cannot read") as err:
            load_npz(path, "all")
        assert str(path) in str(err.value), name


def test_npz_object_array_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = np.array([_Exec(f"open({str(marker)!r}, 'w').close()")], dtype=object)
    path = _npz(tmp_path, x=payload, y=np.arange(1))
    with pytest.raises(UserInputError, match="object array"):
        load_npz(path, "all")
    assert not marker.exists()


def test_npy_and_unknown_split(tmp_path: Path) -> None:
    npy = tmp_path / "x.npy"
    np.save(npy, _xy()[0])
    with pytest.raises(UserInputError, match=r"single \.npy array"):
        load_path(npy, "all")
    x, y = _xy()
    with pytest.raises(UserInputError, match="unknown split 'val'"):
        load_npz(_npz(tmp_path, x=x, y=y), "val")


def test_too_few_samples_for_test_split(tmp_path: Path) -> None:
    path = _npz(tmp_path, x=_xy(4)[0], y=np.array([0, 1, 0, 1]))
    assert len(load_npz(path, "train")) == 4
    with pytest.raises(UserInputError, match="too few samples per class"):
        load_npz(path, "test")


# ------------------------------------------------------------------------------- image folder


def _png(
    path: Path,
    color: tuple[int, ...] | int,
    size: tuple[int, int] = (6, 4),
    mode: str = "RGB",
    fmt: str | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, format=fmt)


def _image_folder(root: Path, per_class: int = 5) -> Path:
    for cls, color in (("dog", (200, 10, 10)), ("cat", (10, 200, 10))):
        for i in range(per_class):
            _png(root / cls / f"{i}.png", color)
    return root


def test_image_folder_round_trip(tmp_path: Path) -> None:
    root = _image_folder(tmp_path / "imgs")
    (root / "cat" / "notes.txt").write_text("ignored")
    (root / ".hidden").mkdir()
    ds = load_image_folder(root, "all")
    assert ds.class_names == ("cat", "dog")  # sorted
    assert ds.input_shape == (3, 4, 6)  # (C, H, W) of a 6-wide, 4-high image
    assert ds.y.tolist() == [0] * 5 + [1] * 5
    np.testing.assert_allclose(ds.x[0, :, 0, 0].numpy(), np.array([10, 200, 10]) / 255, atol=1e-6)
    np.testing.assert_allclose(ds.x[5, :, 0, 0].numpy(), np.array([200, 10, 10]) / 255, atol=1e-6)
    assert (len(load_image_folder(root, "train")), len(load_image_folder(root, "test"))) == (8, 2)


def test_image_folder_majority_mode_and_most_common_size(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    for i in range(3):
        _png(root / "a" / f"{i}.png", 50, mode="L")
        _png(root / "b" / f"{i}.png", 150, mode="L")
    _png(root / "a" / "big.png", (255, 255, 255), size=(12, 8))  # colour, other size
    ds = load_image_folder(root, "all")
    assert ds.input_shape == (1, 4, 6)
    np.testing.assert_allclose(ds.x[3].numpy(), 1.0, atol=1e-6)  # white, resized, as L
    sized = load_image_folder(root, "all", size=3)
    assert sized.input_shape == (1, 3, 3)


def test_image_folder_other_formats(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    formats = {".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".gif": "GIF", ".webp": "WEBP"}
    for i, (suffix, fmt) in enumerate(formats.items()):
        _png(root / "x" / f"{i}{suffix}", (0, 0, 255), fmt=fmt)
        _png(root / "y" / f"{i}{suffix.upper()}", (255, 255, 0), fmt=fmt)
    ds = load_image_folder(root, "all")
    assert len(ds) == 10 and ds.input_shape == (3, 4, 6)
    assert float(ds.x[:5, 2].mean()) > 0.9 and float(ds.x[:5, 0].mean()) < 0.1


def test_image_folder_bad_inputs(tmp_path: Path) -> None:
    root = _image_folder(tmp_path / "bad")
    broken = root / "cat" / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(UserInputError, match="unreadable image") as err:
        load_image_folder(root, "all")
    assert str(broken) in str(err.value)

    fake = tmp_path / "fake"
    _image_folder(fake)
    (fake / "dog" / "0.png").write_bytes(b"GIF89a" + b"\0" * 20)  # wrong content for .png
    with pytest.raises(UserInputError, match=r"0\.png"):
        load_image_folder(fake, "all")

    empty_class = _image_folder(tmp_path / "ec")
    (empty_class / "zebra").mkdir()
    with pytest.raises(UserInputError, match="class folder has no images") as err:
        load_image_folder(empty_class, "all")
    assert "zebra" in str(err.value)

    one = tmp_path / "one"
    _png(one / "only" / "a.png", 1, mode="L")
    with pytest.raises(UserInputError, match="at least 2 classes"):
        load_image_folder(one, "all")

    flat = tmp_path / "flat"
    _png(flat / "a.png", 1, mode="L")
    with pytest.raises(UserInputError, match="directly in the folder"):
        load_path(flat, "all")

    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match="empty folder"):
        load_path(tmp_path / "empty", "all")
    with pytest.raises(UserInputError, match="size must be"):
        load_image_folder(root, "all", size=0)


# ---------------------------------------------------------------------------------- CIFAR-10


def _batch(n: int, seed: int, label_base: int = 0) -> dict[bytes, object]:
    rng = np.random.default_rng(seed)
    return {
        b"batch_label": b"batch %d" % seed,
        b"labels": [int(v) for v in (np.arange(n) + label_base) % 10],
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [b"img_%d.png" % i for i in range(n)],
    }


def _dump(obj: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(obj, protocol=2))


def _cifar(root: Path, meta: bool = True) -> Path:
    folder = root / "cifar-10-batches-py"
    for i in range(1, 6):
        _dump(_batch(4, i, label_base=i), folder / f"data_batch_{i}")
    _dump(_batch(3, 9), folder / "test_batch")
    if meta:
        names = [f"class{i}".encode() for i in range(10)]
        _dump({b"label_names": names, b"num_vis": 3072}, folder / "batches.meta")
    return folder


def test_cifar10_round_trip(tmp_path: Path) -> None:
    folder = _cifar(tmp_path)
    train = load_cifar10(folder, "train")
    assert len(train) == 20 and train.input_shape == (3, 32, 32)
    assert train.class_names[0] == "class0" and train.num_classes == 10
    raw = _batch(4, 1, label_base=1)
    data = raw[b"data"]
    assert isinstance(data, np.ndarray)
    # row layout: 1024 red, then green, then blue, each row-major 32x32
    np.testing.assert_allclose(train.x[0, 0, 0, :].numpy(), data[0, :32] / 255, atol=1e-6)
    np.testing.assert_allclose(train.x[0, 1, 0, 0].item(), data[0, 1024] / 255, atol=1e-6)
    np.testing.assert_allclose(train.x[2, 2, 31, 31].item(), data[2, 3071] / 255, atol=1e-6)
    assert train.y[:4].tolist() == raw[b"labels"]
    test = load_cifar10(tmp_path, "test")  # parent folder accepted
    assert len(test) == 3 and test.y.tolist() == [0, 1, 2]
    both = load_cifar10(folder, "all")
    assert len(both) == 23 and torch.equal(both.x[20:], test.x)


def _py2_batch(data: np.ndarray, labels: list[int]) -> bytes:
    """A batch pickled as CIFAR-10's own files are: Python 2 strings, NumPy 1 ``numpy.core``."""

    def s(b: bytes) -> bytes:  # SHORT_BINSTRING or BINSTRING: a Python 2 str
        return b"U" + bytes([len(b)]) + b if len(b) < 256 else b"T" + struct.pack("<i", len(b)) + b

    n = data.shape[0]
    array = (
        b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + s(b"b") + b"\x87R"
        + b"(K\x01J" + struct.pack("<i", n) + b"M\x00\x0c\x86"
        + b"cnumpy\ndtype\n" + s(b"u1") + b"K\x00K\x01\x87R"
        + b"(K\x03" + s(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        + b"\x89" + s(data.tobytes()) + b"tb"
    )  # fmt: skip
    labs = b"](" + b"".join(b"K" + bytes([v]) for v in labels) + b"e"
    body = s(b"batch_label") + s(b"testing batch 1 of 1") + s(b"data") + array + s(b"labels")
    return b"\x80\x02}(" + body + labs + b"u."


def test_cifar10_reads_python2_pickles(tmp_path: Path) -> None:
    folder = _cifar(tmp_path)
    data = np.random.default_rng(3).integers(0, 256, (3, 3072), dtype=np.uint8)
    (folder / "test_batch").write_bytes(_py2_batch(data, [7, 8, 9]))
    ds = load_cifar10(folder, "test")
    assert ds.y.tolist() == [7, 8, 9]
    np.testing.assert_allclose(ds.x.reshape(3, -1).numpy(), data / 255, atol=1e-6)


def test_cifar10_default_names_and_python3_str_keys(tmp_path: Path) -> None:
    folder = _cifar(tmp_path, meta=False)
    batch = _batch(2, 9)
    _dump({k.decode(): v for k, v in batch.items()}, folder / "test_batch")
    ds = load_cifar10(folder, "test")
    assert ds.class_names == CIFAR_NAMES and len(ds) == 2


def test_cifar10_bad_inputs(tmp_path: Path) -> None:
    folder = _cifar(tmp_path / "a")
    (folder / "data_batch_3").unlink()
    with pytest.raises(UserInputError, match="missing data_batch_3"):
        load_cifar10(folder, "train")
    assert len(load_cifar10(folder, "test")) == 3  # test split does not need it

    cases: dict[str, object] = {
        "must be a dict": [1, 2, 3],
        "needs keys": {b"data": np.zeros((2, 3072), np.uint8)},
        "must be uint8 of shape": {b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]},
        "must be uint8 of shape ": {b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]},
        "one per row": {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]},
        "list of ints": {b"data": np.zeros((2, 3072), np.uint8), b"labels": [b"a", b"b"]},
        "labels must lie in": {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]},
    }
    for i, (message, obj) in enumerate(cases.items()):
        bad = _cifar(tmp_path / f"c{i}")
        _dump(obj, bad / "test_batch")
        with pytest.raises(UserInputError, match=message.strip()):
            load_cifar10(bad, "test")

    truncated = _cifar(tmp_path / "t")
    data = (truncated / "test_batch").read_bytes()
    (truncated / "test_batch").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserInputError, match="not a readable CIFAR-10 batch") as err:
        load_cifar10(truncated, "test")
    assert "test_batch" in str(err.value)

    bad_meta = _cifar(tmp_path / "m")
    _dump({b"label_names": [b"one"]}, bad_meta / "batches.meta")
    with pytest.raises(UserInputError, match=r"labels must lie in \[0, 0\]"):
        load_cifar10(bad_meta, "test")


class _Exec:
    """Pickles as ``builtins.exec(code)``: unpickling it runs ``code``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (self.code,))


class _System:
    """Pickles as ``os.system(command)``."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


@pytest.mark.parametrize("kind", ["exec", "system"])
def test_restricted_unpickler_refuses_code_execution(tmp_path: Path, kind: str) -> None:
    def payload(marker: Path) -> object:
        if kind == "exec":
            return _Exec(f"open({str(marker)!r}, 'w').close()")
        return _System(f"touch {str(marker)!r}")

    # Control: the payload is live, plain pickle would create its marker.
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(payload(control), protocol=2))
    assert control.exists()

    marker = tmp_path / "pwned"
    folder = _cifar(tmp_path)
    batch = _batch(3, 9)
    batch[b"data"] = payload(marker)
    _dump(batch, folder / "test_batch")
    with pytest.raises(UserInputError, match="refused") as err:
        load_dataset(folder, "test")
    assert ("exec" if kind == "exec" else "system") in str(err.value)
    assert "test_batch" in str(err.value)
    assert not marker.exists()


def test_restricted_unpickler_refuses_direct_ndarray_calls(tmp_path: Path) -> None:
    folder = _cifar(tmp_path)
    # numpy.ndarray((2**28,)) called by the pickle itself, and _reconstruct with a real shape
    for raw in (
        b"\x80\x02cnumpy\nndarray\nJ\x00\x00\x00\x10\x85R.",
        b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nJ\x00\x00\x00\x10"
        b"\x85U\x01b\x87R.",
    ):
        (folder / "test_batch").write_bytes(raw)
        with pytest.raises(UserInputError, match="not a readable CIFAR-10 batch"):
            load_cifar10(folder, "test")


def test_restricted_unpickler_refuses_other_codecs(tmp_path: Path) -> None:
    import codecs
    import io

    class _Codec:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (codecs.encode, ("x", "rot13"))

    data = pickle.dumps({b"data": _Codec()}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        RestrictedUnpickler(io.BytesIO(data), source="mem").load()


# ------------------------------------------------------------------------------------- GTSRB

GREEN, RED = (0, 255, 0), (255, 0, 0)


def _sign(path: Path, size: tuple[int, int] = (12, 10)) -> tuple[int, int, int, int]:
    """A red image with a green ROI; returns the ROI (x1, y1, x2 exclusive, y2 exclusive)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, RED)
    roi = (2, 3, size[0] - 2, size[1] - 2)
    img.paste(Image.new("RGB", (roi[2] - roi[0], roi[3] - roi[1]), GREEN), roi[:2])
    img.save(path)
    return roi


def _write_csv(path: Path, rows: list[list[object]], delimiter: str, first: str) -> None:
    header = [first, "Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2", "ClassId"]
    if first == "Path":
        header = [*header[1:], "Path"]
        rows = [[*r[1:], r[0]] for r in rows]
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def _gtsrb(root: Path, test_labels: bool = True) -> Path:
    base = root / "GTSRB"
    for cls in (0, 1, 42):
        folder = base / "Final_Training" / "Images" / f"{cls:05d}"
        rows: list[list[object]] = []
        for i in range(2):
            name = f"00000_{i:05d}.ppm"
            rows.append([name, 12, 10, *_sign(folder / name), cls])
        _write_csv(folder / f"GT-{cls:05d}.csv", rows, ";", "Filename")
    test = base / "Final_Test" / "Images"
    rows = [
        [f"{i:05d}.ppm", 12, 10, *_sign(test / f"{i:05d}.ppm"), c] for i, c in enumerate([1, 42])
    ]
    if test_labels:
        _write_csv(test / "GT-final_test.csv", rows, ";", "Filename")
    return base


def test_gtsrb_official_round_trip(tmp_path: Path) -> None:
    _gtsrb(tmp_path)
    train = load_gtsrb(tmp_path, "train")  # parent of GTSRB/ accepted
    assert len(train) == 6 and train.input_shape == (3, 32, 32)
    assert train.num_classes == 43 and train.class_names == GTSRB_NAMES
    assert train.y.tolist() == [0, 0, 1, 1, 42, 42]
    # cropped to the ROI: only green is left, no red border
    np.testing.assert_allclose(train.x[:, 1].numpy(), 1.0, atol=1e-6)
    np.testing.assert_allclose(train.x[:, 0].numpy(), 0.0, atol=1e-6)
    test = load_gtsrb(tmp_path / "GTSRB", "test", size=(8, 16))
    assert test.y.tolist() == [1, 42] and test.input_shape == (3, 8, 16)
    assert len(load_gtsrb(tmp_path, "all")) == 8


def test_gtsrb_kaggle_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "kaggle"
    train_rows, test_rows = [], []
    for cls in (3, 4):
        for i in range(2):
            rel = f"Train/{cls}/{cls:05d}_00000_{i:05d}.png"
            train_rows.append([rel, 12, 10, *_sign(root / rel), cls])
    for i, cls in enumerate((4, 3, 3)):
        rel = f"Test/{i:05d}.png"
        test_rows.append([rel, 12, 10, *_sign(root / rel), cls])
    _write_csv(root / "Test.csv", test_rows, ",", "Path")
    # without Train.csv the labels come from the folder names, uncropped
    train = load_dataset(root, "train")
    assert train.y.tolist() == [3, 3, 4, 4]
    assert float(train.x[:, 0].max()) > 0.9  # red border kept
    _write_csv(root / "Train.csv", train_rows, ",", "Path")
    train = load_dataset(root, "train")
    np.testing.assert_allclose(train.x[:, 0].numpy(), 0.0, atol=1e-6)
    test = load_dataset(root, "test")
    assert test.y.tolist() == [4, 3, 3]
    assert len(load_dataset(root, "all")) == 7


def test_gtsrb_bad_inputs(tmp_path: Path) -> None:
    base = _gtsrb(tmp_path / "a", test_labels=False)
    assert len(load_gtsrb(base, "train")) == 6
    with pytest.raises(UserInputError, match="test labels missing"):
        load_gtsrb(base, "test")

    def broken(name: str, rows: list[list[object]], header_first: str = "Filename") -> Path:
        b = _gtsrb(tmp_path / name)
        folder = b / "Final_Training" / "Images" / "00001"
        _write_csv(folder / "GT-00001.csv", rows, ";", header_first)
        return b

    cases = {
        "ClassId 43 outside": [["00000_00000.ppm", 12, 10, 2, 3, 10, 8, 43]],
        "is not an integer": [["00000_00000.ppm", 12, 10, 2, 3, 10, 8, "x"]],
        "must be integers": [["00000_00000.ppm", 12, 10, 2, "?", 10, 8, 1]],
        "not found": [["missing.ppm", 12, 10, 2, 3, 10, 8, 1]],
        "points outside": [["../00000/00000_00000.ppm", 12, 10, 2, 3, 10, 8, 1]],
        "ROI": [["00000_00000.ppm", 12, 10, 20, 3, 30, 8, 1]],
    }
    for i, (message, rows) in enumerate(cases.items()):
        b = broken(f"c{i}", rows)
        with pytest.raises(UserInputError, match=message) as err:
            load_gtsrb(b, "train")
        assert "GT-00001.csv:2" in str(err.value)

    b = broken("cols", [["00000_00000.ppm", 1]], header_first="Path")
    with pytest.raises(UserInputError, match="missing column"):
        load_gtsrb(b, "train")

    b = _gtsrb(tmp_path / "img")
    (b / "Final_Test" / "Images" / "00000.ppm").write_bytes(b"P6 garbage")
    with pytest.raises(UserInputError, match="unreadable image") as err:
        load_gtsrb(b, "test")
    assert "00000.ppm" in str(err.value)

    b = _gtsrb(tmp_path / "nocsv")
    (b / "Final_Training" / "Images" / "00042" / "GT-00042.csv").unlink()
    with pytest.raises(UserInputError, match=r"missing annotation file GT-00042\.csv"):
        load_gtsrb(b, "train")


# --------------------------------------------------------------------------- dispatch / e2e


def test_load_dataset_end_to_end_for_every_format(tmp_path: Path) -> None:
    x, y = _xy(10)
    cases = {
        "npz": _npz(tmp_path, x=x, y=y),
        "image_folder": _image_folder(tmp_path / "imgs"),
        "cifar10": _cifar(tmp_path / "cifar").parent,
        "gtsrb": _gtsrb(tmp_path / "gtsrb"),
    }
    for fmt, path in cases.items():
        assert detect_format(path) == fmt
        for spec in (path, str(path)):
            ds = load_dataset(spec, "all")
            assert len(ds) > 0 and ds.x.dtype == torch.float32 and ds.y.dtype == torch.int64
            assert float(ds.x.min()) >= 0.0 and float(ds.x.max()) <= 1.0
        train, test = load_dataset(path, "train"), load_dataset(path, "test")
        assert len(train) + len(test) == len(load_dataset(path, "all")), fmt


def test_load_path_unrecognised_lists_formats(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    other = tmp_path / "other"
    (other / "sub").mkdir(parents=True)
    (other / "sub" / "readme.md").write_text("x")
    for path in (text, other):
        with pytest.raises(UserInputError, match="unrecognised data") as err:
            load_path(path, "all")
        for word in (".npz", "CIFAR-10", "GTSRB", "image folder"):
            assert word in str(err.value)
    image = tmp_path / "one.png"
    _png(image, (1, 2, 3))
    with pytest.raises(UserInputError, match="a single image"):
        load_path(image, "all")
    batch = _cifar(tmp_path / "c") / "data_batch_1"
    with pytest.raises(UserInputError, match="single CIFAR-10 batch"):
        load_path(batch, "all")
    with zipfile.ZipFile(tmp_path / "imgs.zip", "w") as zf:
        zf.writestr("a/1.png", b"x")
    with pytest.raises(UserInputError, match="missing array"):
        load_path(tmp_path / "imgs.zip", "all")


def test_select_split_keeps_bundled_behaviour() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((30, 1, 2, 2)).astype(np.float32)
    y = np.arange(30) % 3
    train = select_split(x, y, "train", 0.2, name="t")
    test = select_split(x, y, "test", 0.2, name="t")
    assert (len(train), len(test)) == (24, 6)
    assert train.name == "t:train" and test.class_names == ("0", "1", "2")
    synthetic = [len(load_dataset("synthetic", s)) for s in ("train", "test", "all")]
    assert synthetic[0] + synthetic[1] == synthetic[2]
