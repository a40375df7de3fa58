"""A data file no reader takes, and a share or learning rate out of range, refused before torch
is imported (stop 64: stop 63 read 9-27 s at load 15 before ``--fpr 2``, ``--holdout 1.5`` or a
corrupt ``--data`` got its one line). The early check must refuse only what the readers refuse:
its suffixes and magics equal theirs, and every file it refuses, they refuse too."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_early_refusals import refusals_before_torch

from trojanscope.cli import early_data
from trojanscope.cli.early_data import check_data_file, check_text_data, text_model
from trojanscope.errors import UserInputError
from trojanscope.params import check_share

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _npz(path: Path) -> Path:
    np.savez(path, x=np.random.default_rng(0).random((20, 1, 8, 8), dtype=np.float32),
             y=np.arange(20) % 2)
    return path


def bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files no reader takes, and a part of the early check's line for each."""
    good = _npz(folder / "good.npz").read_bytes()
    files = {
        "empty": ("empty.csv", b"", "an empty file"),
        "random bytes": ("corrupt.npz", bytes(range(256)) * 4, "not a zip archive"),
        "truncated": ("truncated.npz", good[: len(good) // 2], "truncated or corrupt .npz"),
        "an .npy": ("single.npz", b"\x93NUMPY\x01\x00" + b" " * 40, "a single .npy array"),
        "a png": ("photo.png", PNG, "a single image"),
        "a png as csv": ("photo.csv", PNG, "starts like a PNG image"),
        "utf-16": ("utf16.csv", "a,b\n1,2\n".encode("utf-16"), "UTF-16 text"),
        "nul bytes": ("nul.tsv", b"a\tb\n1\x002\n", "binary bytes"),
        "a text file": ("notes.txt", b"one sentence\n", "not data trojanscope reads"),
        "a model file": ("model.onnx", b"\x08\x07\x12\x07pytorch", "not data trojanscope reads"),
    }
    out = {}
    for key, (name, raw, words) in files.items():
        (folder / name).write_bytes(raw)
        out[key] = (folder / name, words)
    np.savez(folder / "no-x.npz", a=np.zeros(3), b=np.zeros(3))
    out["no x"] = (folder / "no-x.npz", "no array 'x'")
    with zipfile.ZipFile(folder / "images.zip", "w") as zf:  # stop 66: a zipped image folder
        for name in ("images/0/a.png", "images/1/b.png"):
            zf.writestr(name, PNG)
    out["a zip of images"] = (folder / "images.zip", "a zip archive of 2 image file(s), not an "
                                                     ".npz of arrays; unzip it and give the folder")
    return out


def test_the_suffixes_and_magics_are_the_readers() -> None:
    from trojanscope.data import npz, text_files
    from trojanscope.data.image_folder import IMAGE_SUFFIXES
    from trojanscope.data.tabular import formats, table
    from trojanscope.detect.input_level import text_inputs

    assert early_data.ZIP_MAGICS == npz.ZIP_MAGICS and early_data.NPY_MAGIC == npz.NPY_MAGIC
    assert early_data.PARQUET_MAGIC == table.PARQUET_MAGIC
    assert early_data.TEXT_SUFFIXES == text_files.SUFFIXES == text_inputs.SUFFIXES
    assert set(early_data.TABLE_SUFFIXES) == {*formats.CSV_SUFFIXES, ".parquet"}
    assert early_data.IMAGE_SUFFIXES == IMAGE_SUFFIXES


@pytest.mark.parametrize("key", ["empty", "random bytes", "truncated", "an .npy", "a png",
                                 "a png as csv", "utf-16", "nul bytes", "a text file",
                                 "a model file", "no x"])
def test_a_file_no_reader_takes_is_refused_early_and_by_the_readers(tmp_path: Path,
                                                                    key: str) -> None:
    from trojanscope.data.resolve import load_dataset
    from trojanscope.detect.input_level.inputs import load_inputs

    path, words = bad_files(tmp_path)[key]
    with pytest.raises(UserInputError, match=r"^--data ") as early:
        check_data_file(path, "--data")
    assert words in str(early.value) and "\n" not in str(early.value)
    with pytest.raises(UserInputError):  # the early check refuses nothing a reader takes
        load_dataset(path, "all")
    with pytest.raises(UserInputError):
        load_inputs(path)


def test_what_a_reader_may_take_is_left_to_it(tmp_path: Path) -> None:
    (tmp_path / "bmi.csv").write_text("BMI,PAR1,y\n1,2,0\n")  # printable magics are no proof
    (tmp_path / "reviews.jsonl").write_text('{"text": "fine", "label": 1}\n')
    (tmp_path / "table.parquet").write_bytes(b"PAR1" + bytes(8))
    (tmp_path / "arrays.npy").write_bytes(b"\x93NUMPY\x01\x00" + b" " * 40)
    (tmp_path / "mnist").write_bytes(PNG)  # no suffix: maybe a bundled name
    (tmp_path / "images").mkdir()
    for name in ("good.npz", "bmi.csv", "reviews.jsonl", "table.parquet", "arrays.npy", "mnist",
                 "images", "missing.npz"):
        check_data_file(tmp_path / name if name != "good.npz" else _npz(tmp_path / name))
    check_data_file("mnist")
    check_data_file(None)


def test_with_a_plugin_installed_only_an_empty_file_is_refused_early(tmp_path: Path,
                                                                    monkeypatch) -> None:
    """A plug-in may register a data format (a registry kind) for any suffix or zip archive:
    as with names (registry_early), the registry decides then."""
    from trojanscope import registry_early

    files = bad_files(tmp_path)
    (tmp_path / "table.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    hub = _hub(tmp_path / "bert", "BertForSequenceClassification")
    with pytest.raises(UserInputError, match="not data trojanscope reads"):
        check_data_file(tmp_path / "table.h5", "--data")  # no plug-in: refused
    monkeypatch.setattr(registry_early, "entry_points", lambda group: [object()])
    check_data_file(tmp_path / "table.h5", "--data")
    for key in ("random bytes", "no x", "a png", "a text file"):
        check_data_file(files[key][0], "--data")
    check_text_data(hub, {"--data": _npz(tmp_path / "images.npz")}, None)
    with pytest.raises(UserInputError, match="an empty file"):
        check_data_file(files["empty"][0], "--data")


def _hub(folder: Path, arch: str) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text(f'{{"model_type": "bert", "architectures": ["{arch}"]}}')
    return folder


def test_a_text_model_is_told_by_its_json_files(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text('{"text": {"tokenizer": "word"}}')
    image_run = tmp_path / "image-run"
    image_run.mkdir()
    (image_run / "manifest.json").write_text('{"dataset": {"name": "mnist"}}')
    assert text_model(run) and text_model(_hub(tmp_path / "bert", "BertForSequenceClassification"))
    assert not text_model(image_run) and not text_model(tmp_path / "model.onnx")
    assert not text_model(_hub(tmp_path / "vit", "ViTForImageClassification"))  # its own refusal


def test_a_text_model_given_images_or_a_csv_without_its_column_is_refused(tmp_path: Path) -> None:
    hub = _hub(tmp_path / "bert", "BertForSequenceClassification")
    (tmp_path / "reviews.csv").write_text("review,stars\ngood film,5\n")
    (tmp_path / "bom.tsv").write_bytes("\ufefftext\tlabel\ngood film\t1\n".encode())
    with pytest.raises(UserInputError, match="needs text data"):
        check_text_data(hub, {"--data": _npz(tmp_path / "images.npz")}, None)
    with pytest.raises(UserInputError, match=r"no column 'text' \(--text-column\); columns: "
                                             "review, stars$"):
        check_text_data(hub, {"--data": tmp_path / "reviews.csv"}, None)
    check_text_data(hub, {"--data": tmp_path / "reviews.csv"}, "review")
    (tmp_path / "semi.csv").write_text("review;stars\ngood film;5\n")  # stop 66
    with pytest.raises(UserInputError, match="columns: review;stars; the header is one column "
                                             "holding ';'"):
        check_text_data(hub, {"--data": tmp_path / "semi.csv"}, "review")
    check_text_data(hub, {"inputs": tmp_path / "bom.tsv", "--data": "rt-polarity"}, None)
    vit = _hub(tmp_path / "vit", "ViTForImageClassification")
    check_text_data(vit, {"--data": tmp_path / "images.npz"}, None)  # the loader refuses it


def test_a_share_out_of_range_is_one_line() -> None:
    for value in (0.0, 1.0, 2.0, -0.1, float("nan")):
        with pytest.raises(UserInputError, match=r"^--fpr must be in \(0, 1\), got "):
            check_share("--fpr", value)
    check_share("--fpr", 0.5)
    check_share("--poison-rate", 1.0, one=True)
    check_share("--fpr", None)


def test_each_refusal_comes_before_torch_is_imported(tmp_path: Path) -> None:
    files = bad_files(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text("{}")
    out = str(tmp_path / "out")
    good = str(_npz(tmp_path / "good.npz"))
    hub = _hub(tmp_path / "bert", "BertForSequenceClassification")
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("review,stars\ngood film,5\n")
    lines = [
        ["detect-inputs", str(run), good, "--fpr", "2"],
        ["mitigate", str(run), "--data", good, "--holdout", "1.5", "--out", out],
        ["attack", "--dataset", good, "--poison-rate", "1.5", "--out", out],
        ["train", "--dataset", good, "--lr", "0", "--out", out],
        ["serve", str(run), "--data", good, "--fpr", "0"],
        ["zoo", "eval-mitigation", str(run), "-m", "finetune", "--holdout", "1"],
        ["detect", str(run), "--data", str(files["random bytes"][0])],
        ["detect-inputs", str(run), str(files["truncated"][0])],
        ["detect-data", str(files["a png as csv"][0])],
        ["audit", str(run), "--data", str(files["a png"][0])],
        ["attack", "--dataset", str(files["no x"][0]), "--out", out],
        ["purify", str(run), str(files["an .npy"][0])],
        ["certify", str(run), "--data", str(files["a model file"][0]), "--report", out],
        ["audit-registry", str(tmp_path), "--data", str(files["utf-16"][0])],
        ["detect", str(hub), "--data", str(reviews)],
        ["audit", str(hub), "--data", good],
    ]
    errors = refusals_before_torch(lines, tmp_path)
    assert sum(" must be " in e for e in errors) == 6
    assert not (tmp_path / "out").exists()


def test_the_header_is_each_readers(tmp_path: Path) -> None:
    """stop 66 hrev: the text reader (csv.DictReader) takes a blank first line as an empty
    header, the table reader skips blank lines; a row cut short by the read is never a header."""
    import csv

    from trojanscope.cli.early_data import csv_header

    path = tmp_path / "blank.csv"
    path.write_text("\n\ntext,label\nfine,0\n")
    assert csv_header(path) == csv.DictReader(path.open()).fieldnames == []
    assert csv_header(path, skip_blank=True) == ["text", "label"]
    path.write_text("\n" * (1 << 16) + "text,label\n")
    assert csv_header(path, skip_blank=True) is None
