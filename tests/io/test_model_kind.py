"""Stop 66: one answer to "what does this model take", read from its own small files
(``io/model_kind.py``), for the early data checks; a tree file's feature names as its library
reads them back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from onnx_files import write_onnx
from trojanscope.io.model_kind import SEQUENCE_HEAD, ModelInput, model_input, tree_feature_names

NAMES = ["amount", "age", "merchant"]
SAFETENSORS = (2).to_bytes(8, "little") + b"{}"  # a header of no tensors: told by its bytes


def _folder(root: Path, name: str, files: dict[str, object]) -> Path:
    folder = root / name
    folder.mkdir()
    for file, content in files.items():
        (folder / file).write_text(json.dumps(content))
    return folder


def test_each_kind_of_model_says_what_it_takes(tmp_path: Path) -> None:
    image = _folder(tmp_path, "image", {"manifest.json": {"input_shape": [1, 28, 28]}})
    text = _folder(tmp_path, "text", {"manifest.json": {"text": {"encoder": "vocab"}}})
    table = _folder(tmp_path, "table", {"manifest.json": {"tabular": {"label": "is_fraud"}}})
    hub = _folder(tmp_path, "hub", {"config.json": {"architectures": ["BertFor" + "Sequence"
                                                                      "Classification"]}})
    bare = _folder(tmp_path, "bare", {"config.json": {"model_type": "bert"}})
    vit = _folder(tmp_path, "vit", {"config.json": {"architectures": ["ViTForImage"
                                                                      "Classification"]}})
    for folder in (hub, bare, vit):
        (folder / "model.safetensors").write_bytes(b"")
    (image / "model.safetensors").write_bytes(SAFETENSORS)
    zipped = tmp_path / "model.pt"
    zipped.write_bytes(b"PK\x03\x04" + bytes(60))
    assert model_input(image) == ModelInput("image", (1, 28, 28))
    assert model_input(image / "model.safetensors") == ModelInput("image", (1, 28, 28))
    assert model_input(text) == model_input(hub) == model_input(bare) == ModelInput("text")
    assert model_input(table) == ModelInput("table", label="is_fraud")
    assert model_input(vit) is None  # the loader refuses an image hub folder itself
    assert model_input(write_onnx(tmp_path / "cnn.onnx", ["N", 3, 32, 32])) == ModelInput(
        "image", (3, 32, 32))
    for dims in (["N", 29], ["N", 64]):  # one flat row: a table, tokens, flat images (s68)
        assert model_input(write_onnx(tmp_path / "flat.onnx", dims)) == ModelInput(
            "flat", (dims[1],))
    for dims in (["N", 3, "H", "W"], ["N", "F"], ["N", 4, 4]):  # dynamic, of another rank
        assert model_input(write_onnx(tmp_path / "other.onnx", dims)) is None
    assert model_input(zipped) is None  # TorchScript: its shape is torch's to read
    assert model_input(tmp_path / "nope") is None and model_input(None) is None


def test_the_text_head_is_the_loaders() -> None:
    from trojanscope.io.hf_load import HEAD_SUFFIX

    assert SEQUENCE_HEAD == HEAD_SUFFIX


@pytest.mark.parametrize("content, names", [
    ("tree\nversion=v4\nmax_feature_idx=2\nfeature_names=amount age merchant\n\nTree=0\n",
     ("amount", "age", "merchant")),
    ("tree\nversion=v4\nfeature_names=Column_0 Column_1\nTree=0\n", None),  # arrays: in order
    ("tree\nversion=v4\nTree=0\nfeature_names=a b\n", None),  # not in the header
    ("tree\nversion=v4\nfeature_names=amount age", None),  # cut short: not a whole line
])
def test_a_lightgbm_header_names_its_features(tmp_path, content, names) -> None:
    path = tmp_path / "model.txt"
    path.write_text(content)
    assert tree_feature_names(path, "lightgbm") == names
    found = model_input(path)
    assert found == ModelInput("table", trees=True, features=names)


@pytest.mark.parametrize("learner, names", [
    ({"feature_names": NAMES, "feature_types": ["float"] * 3}, tuple(NAMES)),
    ({"feature_names": [], "feature_types": []}, None),
    ({"feature_names": ["f0", "f1"]}, None),
    ({}, None),
])
def test_an_xgboost_json_names_its_features(tmp_path, learner, names) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"learner": learner, "version": [3, 2, 0]}))
    assert model_input(path) == ModelInput("table", trees=True, features=names)


@pytest.mark.slow  # 10 s at load 16, most of it importing xgboost and lightgbm
def test_the_names_are_those_the_libraries_read_back(tmp_path: Path) -> None:
    """Files written by the libraries themselves, trained with and without names."""
    import lightgbm
    import xgboost

    rng = np.random.default_rng(0)
    x, y = rng.random((60, 3)), np.arange(60) % 2
    for names, path in ((NAMES, tmp_path / "named.json"), (None, tmp_path / "plain.json"),
                        (NAMES, tmp_path / "named.ubj"), (None, tmp_path / "plain.ubj")):
        booster = xgboost.train({"objective": "binary:logistic", "max_depth": 2},
                                xgboost.DMatrix(x, y, feature_names=names), 2)
        booster.save_model(str(path))
        read = xgboost.Booster(model_file=str(path)).feature_names
        assert tree_feature_names(path, "xgboost") == (tuple(read) if read else None)
    for names, path in ((NAMES, tmp_path / "named.txt"), ("auto", tmp_path / "plain.txt")):
        data = lightgbm.Dataset(x, y, feature_name=names, params={"verbose": -1})
        booster = lightgbm.train({"objective": "binary", "num_leaves": 4, "verbose": -1},
                                 data, 2)
        booster.save_model(str(path))
        read = lightgbm.Booster(model_file=str(path)).feature_name()
        expected = None if read == [f"Column_{i}" for i in range(3)] else tuple(read)
        assert tree_feature_names(path, "lightgbm") == expected
    assert tree_feature_names(tmp_path / "named.txt", "lightgbm") == tuple(NAMES)
    assert tree_feature_names(tmp_path / "named.json", "xgboost") == tuple(NAMES)
    assert tree_feature_names(tmp_path / "named.ubj", "xgboost") == tuple(NAMES)  # stop 67
