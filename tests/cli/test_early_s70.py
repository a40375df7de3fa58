"""Stop 70: refusals that came after the imports (18-32 s at stop 69) said before them, in the
late check's words: an ONNX file whose external data file is missing, a label column with an
empty cell, a folder no data format reads (a folder of models) as ``--data``, a TorchScript
image model given a table (``cli/early_model.py``, ``cli/early_data.py``,
``io/onnx_header.py``, ``io/script_graph.py``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.early_data import BUILTIN_FORMATS, check_data_folder
from trojanscope.cli.early_model import check_label_cells, check_model_data
from trojanscope.errors import UserInputError
from trojanscope.io.onnx_header import read_header

TABLE = "amount,merchant,is_fraud\n1.5,3,0\n2.5,4,1\n\n3.5,5, \n4.5,6,1\n"  # row 3 empty


@pytest.fixture
def never_loaded(monkeypatch):
    """Loading a model or reading data fails the test: the refusal must come first."""
    import trojanscope.data.resolve as resolve
    import trojanscope.io.models as models

    def never(*_: object, **__: object) -> None:
        raise AssertionError("loaded after all")

    monkeypatch.setattr(models, "load_model", never)
    monkeypatch.setattr(resolve, "load_dataset", never)


def _external_onnx(folder: Path) -> Path:
    """A one-layer graph whose weight lies in ``dense.onnx.data`` beside it."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((64, 3), np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])], "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 3])], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = folder / "dense.onnx"
    onnx.save(model, str(path), save_as_external_data=True, location="dense.onnx.data",
              size_threshold=0)
    return path


def test_a_missing_external_data_file_is_refused_early_in_the_loaders_words(
        tmp_path, never_loaded, capsys, monkeypatch) -> None:
    from trojanscope.cli.main import run
    from trojanscope.io.onnx_import import load_onnx

    path = _external_onnx(tmp_path)
    assert read_header(path).external == ("dense.onnx.data",)
    check_model_data(path, {"--data": None})  # present: nothing said
    (tmp_path / "dense.onnx.data").unlink()
    with pytest.raises(UserInputError) as late:
        load_onnx(path)
    np.savez(tmp_path / "x.npz", x=np.zeros((4, 1, 8, 8), np.float32), y=np.arange(4) % 2)
    assert run(["detect", str(path), "--data", str(tmp_path / "x.npz")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {late.value}"
    assert "external data file 'dense.onnx.data' not found" in str(late.value)


def test_an_empty_label_cell_is_refused_early_with_the_readers_row(tmp_path, never_loaded,
                                                                   capsys) -> None:
    from trojanscope.cli.main import run
    from trojanscope.data.tabular.table import read_table, table_dataset

    path = tmp_path / "nolabel.csv"
    path.write_text(TABLE)
    with pytest.raises(UserInputError) as late:
        table_dataset(read_table(path), "all", name="t", source=str(path),
                      label_column="is_fraud")
    with pytest.raises(UserInputError) as early:
        check_label_cells(path, "is_fraud")
    assert str(early.value) == str(late.value) == (
        f"{path}: label column 'is_fraud' row 3 is empty")
    assert run(["detect-data", str(path), "--label-column", "is_fraud"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {late.value}"
    check_label_cells(path, "amount")  # a full column: nothing said
    check_label_cells(path, None, text_column="merchant")  # a text table: the text reader's
    (tmp_path / "guess.csv").write_text("a,label\n1,\n2,1\n")
    with pytest.raises(UserInputError, match="label column 'label' row 1 is empty"):
        check_label_cells(tmp_path / "guess.csv", None)


def test_a_folder_of_models_as_data_is_refused_early_in_the_readers_words(
        tmp_path, never_loaded, capsys) -> None:
    from trojanscope.cli.main import run
    from trojanscope.data.files import formats, load_path

    assert tuple(formats().values()) == BUILTIN_FORMATS  # no plug-in installed here
    models = tmp_path / "models"
    models.mkdir()
    (models / "a.onnx").write_bytes(b"\x08\x07")
    (models / "b.pt").write_bytes(b"PK\x03\x04")
    with pytest.raises(UserInputError) as late:
        load_path(models, "all")
    with pytest.raises(UserInputError) as early:
        check_data_folder(models, str(models))
    assert str(early.value) == str(late.value)
    (tmp_path / "m.onnx").write_bytes((models / "a.onnx").read_bytes())
    assert run(["detect", str(tmp_path / "m.onnx"), "--data", str(models)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {late.value}"
    for kept in ("class_a", "manifest.json", "test_batch"):  # a format may read these
        folder = tmp_path / f"keep-{kept}"
        folder.mkdir()
        (folder / kept).mkdir() if kept.startswith("class") else (folder / kept).write_text("")
        check_data_folder(folder, str(folder))
    check_data_folder(tmp_path / "keep-manifest.json", "mnist")  # a bundled name


def test_a_torchscript_cnn_given_a_table_is_refused_early(tmp_path, never_loaded) -> None:
    import torch
    from torch import nn

    cnn = torch.jit.script(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(72, 2)))
    cnn.save(str(tmp_path / "cnn.pt"))
    mlp = torch.jit.script(nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2)))
    mlp.save(str(tmp_path / "mlp.pt"))
    table = tmp_path / "t.csv"
    table.write_text("amount,merchant,is_fraud\n1.5,3,0\n2.5,4,1\n")
    with pytest.raises(UserInputError, match=r"cnn.pt is an image model \(its layers are 2-D "
                                             r"convolutions.*not a table or text file"):
        check_model_data(tmp_path / "cnn.pt", {"--data": str(table)})
    check_model_data(tmp_path / "mlp.pt", {"--data": str(table)})  # a dense model: the loader's
    wide = tmp_path / "wide.csv"  # 64 columns: flattened 8 x 8 images the model may reshape
    wide.write_text(",".join(f"p{i}" for i in range(64)) + ",label\n" + "0," * 64 + "1\n"
                    + "1," * 64 + "0\n")
    check_model_data(tmp_path / "cnn.pt", {"--data": str(wide)})


def test_a_two_column_y_and_a_label_alone_are_refused_early(tmp_path, never_loaded) -> None:
    """Stop 70's seed-78 bad lines, 19-20 s after the imports: ``y`` of N x 2 for an image
    model, and a table holding its label column alone for ``detect-data``."""
    from trojanscope.data.dataset import make_dataset

    x = np.zeros((4, 1, 28, 28), np.float32)
    y = np.stack([np.arange(4) % 2] * 2, axis=1)
    np.savez(tmp_path / "two.npz", x=x, y=y)
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text('{"input_shape": [1, 28, 28], "num_classes": 2}')
    with pytest.raises(UserInputError) as late:
        make_dataset(x, y, source=str(tmp_path / "two.npz"))
    with pytest.raises(UserInputError) as early:
        check_model_data(run, {"--data": str(tmp_path / "two.npz")})
    assert str(early.value) == str(late.value)
    (tmp_path / "alone.csv").write_text("is_fraud\n0\n1\n")
    with pytest.raises(UserInputError, match="no feature columns besides the label 'is_fraud'"):
        check_label_cells(tmp_path / "alone.csv", "is_fraud", own_schema=True)
    check_label_cells(tmp_path / "alone.csv", "is_fraud")  # a model's schema: the loader's


def test_mitigate_refuses_an_out_that_is_a_file_before_loading(tmp_path, never_loaded,
                                                               capsys) -> None:
    from trojanscope.cli.main import run

    np.savez(tmp_path / "x.npz", x=np.zeros((4, 1, 8, 8), np.float32), y=np.arange(4) % 2)
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07")
    out = tmp_path / "x.npz"
    assert run(["mitigate", str(tmp_path / "m.onnx"), "--data", str(out), "--out",
                str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"error: --out {out} exists and is not a folder"


def test_an_onnx_opset_the_loader_does_not_read_is_refused_early(tmp_path) -> None:
    """Stop 70's seed-78 CNN exported at opset 10: refused 24 s after the imports before."""
    import onnx
    from onnx import TensorProto, helper

    from trojanscope.io.onnx_import import load_onnx

    graph = helper.make_graph(
        [helper.make_node("Relu", ["X"], ["Y"])], "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 1, 8, 8])])
    for opset, refused in ((10, True), (13, False)):
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        path = tmp_path / f"op{opset}.onnx"
        onnx.save(model, str(path))
        assert read_header(path).opset == opset
        if not refused:
            check_model_data(path, {"--data": None})
            continue
        with pytest.raises(UserInputError) as late:
            load_onnx(path)
        with pytest.raises(UserInputError) as early:
            check_model_data(path, {"--data": None})
        assert str(early.value) == str(late.value) and "opset 10 is not supported" in str(
            late.value)


def test_a_file_or_folder_the_loader_does_not_read_is_refused_early(tmp_path) -> None:
    """Stop 70: LightGBM's dump_model() JSON (20 s late) and a folder without a manifest (a
    purified copy's folder, 22 s late), in the loader's words; since stop 73 a pickle too,
    after the loader's scan (tests/cli/test_early_pickle_s73.py)."""
    from trojanscope.io.models import load_model

    dump = tmp_path / "fraud.json"
    dump.write_text('{"name": "tree", "version": "v4", "tree_info": []}')
    folder = tmp_path / "fixed"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"\x08\x07")
    for model, words in ((dump, "booster.save_model('model.txt')"),
                         (folder, "folder has no manifest.json")):
        with pytest.raises(UserInputError) as late:
            load_model(model, scan=False)
        with pytest.raises(UserInputError) as early:
            check_model_data(model, {"--data": None})
        assert str(early.value) == str(late.value) and words in str(late.value)
    pickle = tmp_path / "model.pkl"
    pickle.write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(UserInputError) as late:
        load_model(pickle)
    with pytest.raises(UserInputError) as early:
        check_model_data(pickle, {"--data": None})
    assert str(early.value) == str(late.value) and "never does" in str(late.value)
