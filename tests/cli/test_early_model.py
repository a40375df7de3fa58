"""Stop 65: data of the wrong kind for the model, told from the model's own files (a run's
manifest, a tree file's first bytes; stop 66: a tree file's feature names, an ONNX graph's
input shape) and the ``.npz`` header, refused before torch is imported;
an ``.npz`` that is no zip archive worded by what it is; a ``keep_ratio`` that would keep
nothing refused (``cli/early_model.py``, ``cli/early_data.py``, ``cli/early_calibration.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from onnx_files import mlp_graph, write_ml_onnx, write_onnx
from trojanscope.cli.early_calibration import check_keep_ratio
from trojanscope.cli.early_data import check_data_file
from trojanscope.cli.early_model import LABEL_GUESSES, ModelInput, check_model_data, model_input
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
C1 = ROOT / "benchmarks/data/outside_s64_h9/cal_C1.json"  # h9's keep_ratio on auto's scorer
HEADER = "amount,merchant,is_fraud\n1.5,shop,0\n"
UBJ_NAMED = (b"{L" + (7).to_bytes(8, "big") + b"learner{L" + (13).to_bytes(8, "big")
             + b"feature_names[#U\x03" + b"".join(b"SU" + bytes([len(n)]) + n
                                                 for n in (b"amount", b"merchant", b"age"))
             + b"}}")  # XGBoost's save_model("m.ubj"), cut to the names


def _run(root: Path, name: str, **manifest) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def user(tmp_path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "mnist.npz", x=rng.random((4, 1, 28, 28), np.float32), y=np.arange(4))
    np.savez(tmp_path / "rgb.npz", x=rng.random((4, 3, 32, 32), np.float32), y=np.arange(4))
    nan = rng.random((4, 1, 28, 28), np.float32)
    nan[1:3, 0, 5, 5] = np.nan
    np.savez(tmp_path / "nan.npz", x=nan, y=np.arange(4))
    (tmp_path / "rows.csv").write_text(HEADER)
    (tmp_path / "labelled.csv").write_text("amount,label\n1.5,0\n")
    (tmp_path / "spaced.csv").write_text("amount, merchant, is_fraud\n1.5, shop, 0\n")
    np.savez(tmp_path / "last.npz", x=rng.random((4, 28, 28, 1), np.float32), y=np.arange(4))
    np.savez(tmp_path / "bytes.npz", x=rng.integers(0, 256, (4, 1, 28, 28), np.uint8),
             y=np.arange(4))
    (tmp_path / "xgb.json").write_text('{"learner": {}}')
    (tmp_path / "lgb.txt").write_text("tree\nversion=v4\n")
    # files that name their features (stop 66): LightGBM's header line, XGBoost's learner
    (tmp_path / "named-lgb.txt").write_text(
        "tree\nversion=v4\nfeature_names=amount merchant age\nTree=0\n")
    (tmp_path / "named-xgb.json").write_text(
        json.dumps({"learner": {"feature_names": ["amount", "merchant", "age"]}}))
    (tmp_path / "cat-xgb.json").write_text(json.dumps({"learner": {  # enable_categorical
        "feature_names": ["amount", "merchant"], "feature_types": ["float", "c"]}}))
    write_onnx(tmp_path / "cnn.onnx", ["N", 1, 28, 28])
    write_onnx(tmp_path / "dynamic.onnx", ["N", 1, "H", "W"])
    # stop 67: a UBJSON file's names; an ONNX file told by its bytes; an skl2onnx-like graph
    (tmp_path / "named-ubj.ubj").write_bytes(UBJ_NAMED)
    write_onnx(tmp_path / "renamed-cnn.bin", ["N", 1, 28, 28], producer="pytorch")
    write_ml_onnx(tmp_path / "skl.onnx")
    # stop 68: an skl2onnx-like MLPClassifier of 4 flat columns; images of 1 x 2 x 2; a table
    # of 5 feature columns; a folder without a manifest holding an ONNX image model
    import onnx

    onnx.save(mlp_graph(4, 3)[0], tmp_path / "mlp.onnx")
    np.savez(tmp_path / "tiny.npz", x=rng.random((4, 1, 2, 2), np.float32), y=np.arange(4))
    (tmp_path / "five.csv").write_text("a,b,c,d,e,label\n1,2,3,4,5,0\n")
    (tmp_path / "four.csv").write_text("a,b,c,d,label\n1,2,3,4,0\n")
    np.savez(tmp_path / "flat.npz", x=rng.random((4, 4), np.float32), y=np.arange(4))
    np.savez(tmp_path / "rows64.npz", x=rng.random((4, 64), np.float32), y=np.arange(4))
    (tmp_path / "vendor").mkdir()
    write_onnx(tmp_path / "vendor" / "model.bin", ["N", 1, 28, 28])  # no producer (stop 68)
    return {"image": _run(tmp_path, "image", input_shape=[1, 28, 28]),
            "text": _run(tmp_path, "text", input_shape=[40], text={"encoder": "vocab"}),
            "table": _run(tmp_path, "table", input_shape=[3], tabular={"label": "is_fraud"}),
            "vendor": tmp_path / "vendor",
            **{p.stem: p for p in tmp_path.glob("*.*")}}


def test_the_model_says_its_input_without_torch(user) -> None:
    assert model_input(user["image"]) == ModelInput("image", (1, 28, 28))
    assert model_input(user["text"]) == ModelInput("text")
    assert model_input(user["table"]) == ModelInput("table", label="is_fraud")
    assert model_input(user["xgb"]) == model_input(user["lgb"]) == ModelInput("table",
                                                                               trees=True)
    weights = user["image"] / "model.safetensors"
    weights.write_bytes((2).to_bytes(8, "little") + b"{}")  # told by its bytes (stop 67)
    assert model_input(weights) == ModelInput("image", (1, 28, 28))  # the manifest beside it
    assert model_input(user["renamed-cnn"]) == model_input(user["cnn"])
    assert model_input(user["named-ubj"]) == ModelInput("table", trees=True,
                                                        features=("amount", "merchant", "age"))
    assert model_input(user["mnist"]) is None and model_input(user["image"] / "nope") is None
    assert model_input(user["mlp"]) == ModelInput("flat", (4,))  # stop 68
    assert model_input(user["vendor"]) is None  # detect refuses a folder without a manifest
    assert model_input(user["vendor"], folder_pick=True) == model_input(user["cnn"])  # audit


@pytest.mark.parametrize("model, data, label, says", [
    ("image", "rows", None, r"is an image model \(input 1 x 28 x 28\); it needs images"),
    ("image", "rgb", None, "images of shape 3 x 32 x 32, but .* takes 1 x 28 x 28"),
    ("xgb", "rows", None, r"name the label column with --label-column \(columns: amount, "),
    ("lgb", "rows", None, "name the label column"),
    ("xgb", "mnist", "is_fraud", "is a tree model; it needs tabular data"),
    ("image", "last", None, r"looks channels-last .*: use x.transpose\(0, 3, 1, 2\)"),
    ("table", "rows", "fraud", "no label column 'fraud'; columns: amount, merchant, is_fraud"),
    # stop 66: a tree file's feature names against the CSV's header; an ONNX file's shape
    ("named-lgb", "rows", "is_fraud", r"the model's feature\(s\) 'age' are not columns of the "
     r"data \(amount, merchant, is_fraud\); named-lgb.txt was trained on a table with them"),
    ("named-xgb", "spaced", "is_fraud", r"feature\(s\) 'age' are not columns"),
    ("named-xgb", "labelled", None, r"feature\(s\) 'merchant', 'age' are not columns"),
    ("cnn", "rows", None, r"cnn.onnx is an image model \(input 1 x 28 x 28\); it needs images"),
    ("cnn", "rgb", None, "images of shape 3 x 32 x 32, but .*cnn.onnx takes 1 x 28 x 28"),
    ("cnn", "last", None, r"looks channels-last"),
    ("image", "bytes", None, r"'x' has integer dtype uint8; store floats in \[0, 1\] \(for "
     r"8-bit pixels: x.astype\('float32'\) / 255\)$"),
    # stop 67: a UBJSON file's names; an ONNX file named .bin, told by its bytes
    ("named-ubj", "rows", "is_fraud", r"the model's feature\(s\) 'age' are not columns"),
    ("renamed-cnn", "rows", None, r"renamed-cnn.bin is an image model \(input 1 x 28 x 28\)"),
    # stop 68: a model of one flat row (an skl2onnx MLPClassifier): images of another size,
    # a table of more feature columns than values a row, integer pixels
    ("mlp", "mnist", None, r"images of 1 x 28 x 28 \(784 values\), but .*mlp.onnx takes rows "
     r"of 4 values \(images flattened C x H x W\)"),
    ("mlp", "five", None, r"a table of 5 feature column\(s\) \(a, b, c, d, e\), but .*mlp.onnx "
     r"takes rows of 4 value\(s\)"),
    ("mlp", "rows", "fraud", "no label column 'fraud'"),
    ("mlp", "bytes", None, "'x' has integer dtype uint8"),
    # stop 68 (hrev): an .npz of flat rows, the .npz reader's refusal and its reshape hint
    ("mlp", "flat", None, r"'x' must have shape NxCxHxW \(4 dimensions\), got shape \(4, 4\)$"),
    ("image", "rows64", None, r"got shape \(4, 64\); images kept as flat rows: "
     r"x.reshape\(-1, 1, 8, 8\)"),
])
def test_data_of_the_wrong_kind_is_one_line(user, model, data, label, says) -> None:
    with pytest.raises(UserInputError, match=says) as err:
        check_model_data(user[model], {"--data": user[data]}, label_column=label)
    assert str(err.value).startswith(f"--data {user[data]}: ") and "\n" not in str(err.value)


@pytest.mark.parametrize("model, data, label", [
    ("image", "mnist", None), ("xgb", "rows", "is_fraud"), ("xgb", "labelled", None),
    ("table", "rows", None),  # the manifest's own label column
    # the table reader strips a header's names (stop 65 hrev: " is_fraud" was refused early)
    ("table", "spaced", None), ("xgb", "spaced", "is_fraud"),
    ("table", "mnist", None),  # a run's table model and arrays: not told here, the readers say
    # stop 66: a CSV with every named feature; an ONNX file whose shape the graph leaves open
    ("named-lgb", "wide", "label"), ("named-xgb", "wide", None), ("lgb", "rows", "is_fraud"),
    ("cnn", "mnist", None), ("dynamic", "rows", None), ("dynamic", "rgb", None),
    # stop 66 hrev: the table reader skips blank lines before the header (was refused early)
    ("named-lgb", "blank", "label"), ("table", "blank", None),
    # stop 68: images of C·H·W = 4 values, a table of 4 or fewer feature columns (a category
    # may widen); a folder without a manifest is refused early since stop 70 (test_early_s70)
    ("mlp", "tiny", None), ("mlp", "four", None), ("mlp", "rows", "is_fraud"),
])
def test_data_a_reader_may_take_passes(user, model, data, label) -> None:
    (user["rows"].parent / "wide.csv").write_text("age, amount,merchant,other,label\n1,2,a,b,0\n")
    user["wide"] = user["rows"].parent / "wide.csv"
    user["blank"] = user["rows"].parent / "blank.csv"
    user["blank"].write_text("\n\nage,amount,merchant,is_fraud,label\n1,2,a,0,0\n")
    check_model_data(user[model], {"--data": user[data]}, label_column=label)


def test_an_onnx_ml_graph_is_refused_early_in_the_loaders_words(user) -> None:
    """Stop 67: a graph of ai.onnx.ml operators (skl2onnx's) is refused by the loader whatever
    the data; ``detect`` says so before the imports, ``audit`` reports it (its load step)."""
    from trojanscope.io.onnx_import import load_onnx

    with pytest.raises(UserInputError) as late:
        load_onnx(user["skl"])
    for data in ("mnist", "rows"):
        with pytest.raises(UserInputError) as early:
            check_model_data(user["skl"], {"--data": user[data]}, label_column="is_fraud")
        assert str(early.value) == str(late.value)
        check_model_data(user["skl"], {"--data": user[data]}, reports_model=True)
    for none in ({"--data": None}, {}):  # --data-free, or detect --dataset NAME (hrev)
        with pytest.raises(UserInputError) as early:
            check_model_data(user["skl"], none)
        assert str(early.value) == str(late.value)
        check_model_data(user["skl"], none, reports_model=True)


def test_integer_pixels_are_refused_early_in_the_readers_words(user) -> None:
    """Stop 66: 0-255 bytes in an ``.npz`` for an image model, refused by ``load_npz`` after
    the imports until then; the early line is the reader's, word for word."""
    from trojanscope.data import load_dataset

    with pytest.raises(UserInputError) as early:
        check_model_data(user["image"], {"--data": user["bytes"]})
    with pytest.raises(UserInputError) as late:
        load_dataset(str(user["bytes"]), "train")
    assert str(early.value).split(": ", 1)[1] == str(late.value).split(": ", 1)[1]
    check_model_data(user["table"], {"--data": user["bytes"]})  # not an image model: the readers'


def test_the_label_guesses_are_the_table_readers() -> None:
    from trojanscope.data.tabular.table import LABEL_GUESSES as READERS

    assert LABEL_GUESSES == READERS


def test_nan_in_an_npz_is_refused_early_and_by_the_reader(user) -> None:
    from trojanscope.data import load_dataset

    with pytest.raises(UserInputError, match=r"'x' contains NaN or Inf values \(in 2 samples\)"):
        check_data_file(user["nan"], "--data")
    with pytest.raises(UserInputError, match="NaN or Inf"):
        load_dataset(str(user["nan"]), "train")
    check_data_file(user["mnist"], "--data")


def test_pixels_of_0_to_255_and_a_repeated_column_are_refused_early_in_the_readers_words(
        user, tmp_path) -> None:
    """Stop 67: float pixels never divided by 255 (33 s before the reader said so) and a
    header naming a column twice (the early line named a missing feature instead)."""
    from trojanscope.data import load_dataset
    from trojanscope.data.tabular.table import read_table

    wide = tmp_path / "wide.npz"
    np.savez(wide, x=np.load(user["mnist"])["x"] * 255, y=np.arange(4))
    with pytest.raises(UserInputError, match=r"found range \[.*\]; for 8-bit pixels divide by "
                       r"255: x / 255$") as early:
        check_data_file(wide, "--data")
    with pytest.raises(UserInputError) as late:
        load_dataset(str(wide), "train")
    assert str(early.value) == f"--data {late.value}"
    twice = tmp_path / "twice.csv"
    twice.write_text("amount,merchant,amount,is_fraud\n1,a,2,0\n")
    with pytest.raises(UserInputError, match=r"repeated column names \('amount' twice\)$") as early:
        check_model_data(user["named-xgb"], {"--data": twice}, label_column="is_fraud")
    with pytest.raises(UserInputError) as late:
        read_table(twice)
    assert str(early.value) == f"--data {late.value}"


def test_a_corrupt_compressed_npz_is_left_to_the_reader(user, tmp_path) -> None:
    """A deflate stream that does not inflate (zlib.error) was "unexpected error" at stop 65's
    merge; the early checks leave it to the reader, which names the member (hrev)."""
    from trojanscope.data import load_dataset

    x = np.random.default_rng(0).random((200, 1, 28, 28), np.float32)
    np.savez_compressed(tmp_path / "z.npz", x=x, y=np.arange(200))
    raw = bytearray((tmp_path / "z.npz").read_bytes())
    raw[2040:2104] = bytes(b ^ 0xFF for b in raw[2040:2104])  # inflating fails, not the CRC
    (tmp_path / "z.npz").write_bytes(bytes(raw))
    check_data_file(tmp_path / "z.npz", "--data")
    check_model_data(user["image"], {"--data": tmp_path / "z.npz"})
    with pytest.raises(UserInputError, match=r"x\.npy cannot be read|truncated or corrupt"):
        load_dataset(str(tmp_path / "z.npz"), "train")


def test_deeply_nested_json_is_left_to_the_loaders(tmp_path) -> None:
    """A manifest, hub config or calibration file nested past Python's recursion limit was
    "unexpected RecursionError" in the early checks at stop 65's merge (hrev); the loaders'
    ``io.json_file`` words it (a calibration file's words are said early since stop 76)."""
    from trojanscope.cli.early_data import text_model

    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "cal.json").write_text(deep)
    with pytest.raises(UserInputError, match=r"unreadable calibration file \(JSON nested too "
                       r"deeply\)"):  # since stop 76 (hfix) refused early, in the loader's words
        check_keep_ratio(tmp_path / "cal.json")
    run = _run(tmp_path, "run")
    (run / "manifest.json").write_text(deep)
    assert model_input(run) is None
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "config.json").write_text(deep)
    (hub / "model.safetensors").write_bytes(b"\x08" + bytes(7) + b"{}      ")
    assert text_model(hub) is False


def test_the_calibration_words_are_the_named_checks() -> None:
    from trojanscope.cli.early_calibration import MMBD_LEAD, TERM_SUFFIX
    from trojanscope.detect import named_check

    assert (TERM_SUFFIX, MMBD_LEAD) == (":" + named_check.TERM, named_check.MMBD_LEAD)


@pytest.mark.parametrize("content, says", [
    (HEADER.encode(), "it is text, starting 'amount,merchant,is_fraud'; a table"),
    (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n", "it is a Git LFS pointer"),
    (b"<!DOCTYPE html>\n<html><body>404</body></html>", "it is a web page"),
    (bytes(range(256)) * 4, "its first bytes match no format"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "it starts like a PNG image"),
])
def test_an_npz_that_is_no_zip_archive_says_what_it_is(tmp_path, content, says) -> None:
    bad = tmp_path / "data.npz"
    bad.write_bytes(content)
    with pytest.raises(UserInputError, match="not a zip archive: " + says):
        check_data_file(bad, "--data")


def test_an_npz_that_cannot_be_opened_says_so(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "data.npz"
    bad.write_bytes(b"PK\x03\x04")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(UserInputError, match=r"data.npz: cannot be read \(Permission denied\)"):
        check_data_file(bad, "--data")


def test_a_keep_ratio_on_a_scorer_without_the_mmbd_lead_is_refused(tmp_path) -> None:
    """Stop 64's read-through: ``keep_ratio`` on a scorer whose verdicts carry no
    ``mmbd_ratio`` kept nothing, silently (the loader takes the file)."""
    from trojanscope.detect.calibration import load_calibrators

    check_keep_ratio(C1)  # h9's C1 file: keep_ratio on auto's out-of-coverage scorer
    raw = json.loads(C1.read_text())
    raw["trigger_search:named-check"] = {**raw["auto:named-check"], "method":
                                         "trigger_search:named-check"}
    bad = tmp_path / "cal.json"
    bad.write_text(json.dumps(raw))
    assert "trigger_search:named-check" in load_calibrators(bad)  # the loader says nothing
    with pytest.raises(UserInputError, match="'trigger_search:named-check' sets fitted_on."
                       r"keep_ratio, .* no 'trigger_search' entry .* \(auto, mmbd\)"):
        check_keep_ratio(bad)
    raw["trigger_search:named-check"]["fitted_on"]["keep_ratio"] = None  # unset: nothing kept
    bad.write_text(json.dumps(raw))
    check_keep_ratio(bad)
    for other in ("nope.json", "not json"):  # stop 76 hfix: refused here, in the loader's words
        (tmp_path / "x.json").write_text(other)
        with pytest.raises(UserInputError, match=r"x\.json: unreadable calibration file"):
            check_keep_ratio(tmp_path / "x.json")
    with pytest.raises(UserInputError, match=r"missing\.json: no such calibration file"):
        check_keep_ratio(tmp_path / "missing.json")  # stop 76: refused before torch's imports


def test_a_keep_ratio_on_auto_is_taken_whatever_the_other_entries_read(tmp_path) -> None:
    """``auto`` records MM-BD's lead on every image model, so its term's keep stands even in a
    file whose other ``auto`` entries list no ``mmbd_ratio`` (stop 65's read-through)."""
    raw = json.loads(C1.read_text())
    kept = {"auto:named-check": raw["auto:named-check"],
            "auto:out-of-coverage": {**raw["auto:out-of-coverage"], "features": ["other"]}}
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(kept))
    check_keep_ratio(path)


def test_an_xgboost_model_with_categorical_splits_is_left_to_the_loader(user) -> None:
    """Stop 68 refused an ``XGBClassifier(enable_categorical=True)`` file early; since stop 69
    the loader reads it (``models.xgboost_categories``), so nothing is said before it."""
    for data in ({"--data": user["rows"]}, {"--data": None}):
        check_model_data(user["cat-xgb"], data, label_column="is_fraud")


def test_audit_reads_a_folder_by_the_model_file_it_picks(user) -> None:
    """Stop 67 (hrev, finding 8): ``audit DIR --data`` with no manifest left a table for the
    folder's ONNX image model to the loader, after the imports; the pick is torch-free now."""
    with pytest.raises(UserInputError, match=r"vendor is an image model \(input 1 x 28"):
        check_model_data(user["vendor"], {"--data": user["rows"]}, reports_model=True)
    check_model_data(user["vendor"], {"--data": user["mnist"]}, reports_model=True)


def test_each_refusal_comes_before_torch_is_imported(user, tmp_path) -> None:
    from test_early_refusals import refusals_before_torch

    raw = json.loads(C1.read_text())
    raw["trigger_search:named-check"] = raw.pop("auto:named-check")
    (tmp_path / "cal.json").write_text(json.dumps(raw))
    image, rows, rgb, nan = (str(user[k]) for k in ("image", "rows", "rgb", "nan"))
    lines = [
        ["detect", image, "--data", rows], ["detect", image, "--data", rgb],
        ["audit", str(user["xgb"]), "--data", rows, "--report", str(tmp_path / "r")],
        ["detect", image, "--data", nan], ["attack", "--dataset", nan, "--out", "o"],
        ["mitigate", image, "--data", rgb, "--out", str(tmp_path / "o")],
        ["certify", image, "--data", rows, "--report", str(tmp_path / "r")],
        ["detect", image, "--data", str(user["mnist"]), "--calibration",
         str(tmp_path / "cal.json")],
        ["detect", str(user["named-lgb"]), "--data", rows, "--label-column", "is_fraud"],
        ["audit", str(user["cnn"]), "--data", rows, "--report", str(tmp_path / "r")],
        ["detect", str(user["cnn"]), "--data", rgb],
        ["detect", str(user["named-ubj"]), "--data", rows, "--label-column", "is_fraud"],
        ["detect", str(user["skl"]), "--data", str(user["mnist"])],
        ["detect", str(user["renamed-cnn"]), "--data", rows],
        ["audit", image, "--data", str(user["mnist"]), "--report", str(user["image"])],
        ["detect", str(user["mlp"]), "--data", str(user["mnist"])],
        ["audit", str(user["vendor"]), "--data", rows, "--report", str(tmp_path / "r")],
    ]
    errors = refusals_before_torch(lines, tmp_path, modules=("torch", "onnx", "lightgbm"))
    assert ["image model" in errors[0], "images of shape 3 x 32" in errors[1],
            "--label-column" in errors[2], "NaN" in errors[3], "NaN" in errors[4],
            "images of shape 3 x 32" in errors[5], "image model" in errors[6],
            "keep_ratio" in errors[7], "'age' are not columns" in errors[8],
            "image model" in errors[9], "images of shape 3 x 32" in errors[10],
            "'age' are not columns" in errors[11], "scikit-learn-style" in errors[12],
            "image model" in errors[13], "exists and is not empty" in errors[14],
            "rows of 4 values" in errors[15], "image model" in errors[16],
            ] == [True] * 17, errors
    assert not (tmp_path / "r").exists() and not (tmp_path / "o").exists()


@pytest.mark.parametrize("content, says", [
    ("amount;merchant;is_fraud\n1.5;shop;0\n", "holding ';': save the file separated by commas"),
    ("amount|merchant|is_fraud\n1.5|shop|0\n", "holding '|'"),
    ("amount\tmerchant\tis_fraud\n1.5\tshop\t0\n", "holding a tab"),
])
def test_a_header_of_one_column_names_the_separator(user, tmp_path, content, says) -> None:
    """Stop 66: a table saved with ``;`` (a European spreadsheet) read as one column; stop 67:
    the table reader (``detect-data``) says it in the same words."""
    from trojanscope.data.tabular.table import pick_label, read_table

    (tmp_path / "other.csv").write_text(content)
    for label in ("is_fraud", None):
        with pytest.raises(UserInputError, match=says) as early:
            check_model_data(user["xgb"], {"--data": tmp_path / "other.csv"}, label_column=label)
        with pytest.raises(UserInputError) as late:
            pick_label(read_table(tmp_path / "other.csv"), label, str(tmp_path / "other.csv"))
        assert str(late.value) == str(early.value).removeprefix("--data ")
    (tmp_path / "other.tsv").write_text(content.replace(";", "\t").replace("|", "\t"))
    check_model_data(user["xgb"], {"--data": tmp_path / "other.tsv"}, label_column="is_fraud")
    (tmp_path / "one.csv").write_text("amount\n1.5\n")
    with pytest.raises(UserInputError, match=r"columns: amount\)$"):
        check_model_data(user["xgb"], {"--data": tmp_path / "one.csv"})


@pytest.mark.parametrize(("header", "said"), [
    (["", "age", "is_fraud"], "(column 1 without a name); a first column without a name is a "
     "pandas index: save the table with to_csv(path, index=False)"),
    (["age", "", "age", ""], "('age' twice; columns 2, 4 without a name)"),
    (["age", "age", "is_fraud"], "('age' twice)"),
])
def test_a_header_problem_names_the_columns_early_and_late(tmp_path, header, said) -> None:
    """hrev, stop 67: a CSV pandas wrote with its index (an unnamed first column) was "empty or
    repeated column names" alone, early and late; the line now says which and why."""
    from trojanscope.data.tabular.table import read_table
    from trojanscope.io.delimited import header_problem

    assert header_problem(header) == f"the header has empty or repeated column names {said}"
    assert header_problem(["age", "is_fraud"]) is None
    table = tmp_path / "t.csv"
    table.write_text(",".join(header) + "\n" + ",".join("1" for _ in header) + "\n")
    with pytest.raises(UserInputError) as late:
        read_table(table)
    assert str(late.value) == f"{table}: the header has empty or repeated column names {said}"


@pytest.mark.parametrize("config", ["{'model_type': 'distilbert',}", "[1, 2]", None])
def test_a_model_that_cannot_be_read_at_all_is_refused_before_the_imports(
        tmp_path, config) -> None:
    """Stop 69: a 0-byte model file and a hub folder whose config.json does not read, refused
    in the loader's words (22-24 s after the imports at stop 69's load); ``audit`` still
    writes its report on them."""
    from trojanscope.io.hf_folder import read_hf_layout
    from trojanscope.io.hf_load import _config

    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "model.safetensors").write_bytes(b"\x08" + b"\0" * 15)
    (hub / "tokenizer.json").write_text("{}")
    if config is not None:
        (hub / "config.json").write_text(config)
    with pytest.raises(UserInputError, match=r"^.*empty\.onnx: empty file, not a model$"):
        check_model_data(empty, {"--data": None})
    with pytest.raises(UserInputError) as early:
        check_model_data(hub, {"--data": None})
    with pytest.raises(UserInputError) as late:
        _config(read_hf_layout(hub))
    assert str(early.value) == str(late.value) and "config.json" in str(early.value)
    for model in (empty, hub):
        check_model_data(model, {"--data": None}, reports_model=True)


def test_uint8_channels_last_images_are_told_both_fixes_early_and_late(tmp_path) -> None:
    """Stop 69: an image library's uint8 N x H x W x C images were told to divide by 255,
    then (the next try) to transpose; one line now says both, before and after the imports."""
    from trojanscope.data.npz import load_npz

    x = np.random.default_rng(0).integers(0, 256, (4, 28, 28, 1), np.uint8)
    np.savez(tmp_path / "hwc.npz", x=x, y=np.arange(4))
    write_onnx(tmp_path / "cnn.onnx", ["N", 1, 28, 28])
    with pytest.raises(UserInputError) as early:
        check_model_data(tmp_path / "cnn.onnx", {"--data": tmp_path / "hwc.npz"})
    with pytest.raises(UserInputError) as late:
        load_npz(tmp_path / "hwc.npz")
    words = "x.astype('float32').transpose(0, 3, 1, 2) / 255"
    assert words in str(early.value) and str(late.value).endswith(str(early.value).split(
        ": ", 1)[1])


@pytest.mark.parametrize("command", ["detect-inputs", "detect-data"])
def test_detect_inputs_and_detect_data_refuse_an_empty_model_before_loading(
        tmp_path, monkeypatch, capsys, command: str) -> None:
    """Stop 69 read-through: ``detect-inputs`` took 22.6 s to refuse a 0-byte model (``detect``
    2 s); now both commands say the loader's words before any model is loaded."""
    import trojanscope.io.models as models
    from trojanscope.cli.main import run

    def never(*_: object, **__: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(models, "load_model", never)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    x = np.random.default_rng(0).random((4, 1, 8, 8), np.float32)
    np.savez(tmp_path / "x.npz", x=x, y=np.arange(4))
    npz = str(tmp_path / "x.npz")
    args = ([command, str(empty), npz, "--data", npz] if command == "detect-inputs"
            else [command, npz, "--model", str(empty)])
    assert run(args) == 2
    assert capsys.readouterr().err.strip() == f"error: {empty}: empty file, not a model"
