"""The ML-BOM validates against CycloneDX 1.6 and carries files, formats and manifest data."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import pytest

from trojanscope.bom import build_bom, validate_bom
from trojanscope.errors import UserInputError
from trojanscope.testing.scan_corpus import safetensors_good


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "net"
    d.mkdir()
    safetensors_good(d / "model.safetensors")
    (d / "extra.pkl").write_bytes(pickle.dumps({"a": 1}))
    return d


def test_bom_without_manifest(folder):
    text = build_bom(folder)
    assert validate_bom(text) == []
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    comps = {c["name"]: c for c in doc["components"]}
    st = comps["model.safetensors"]
    assert st["type"] == "machine-learning-model"
    assert st["hashes"][0]["content"] == hashlib.sha256(
        (folder / "model.safetensors").read_bytes()).hexdigest()
    props = {p["name"]: p["value"] for p in st["properties"]}
    assert props["trojanscope:format"] == "safetensors"


def test_bom_with_manifest(folder):
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps({
        "arch": {"name": "small_cnn", "args": {"width": 8}}, "dataset": {"name": "mnist"},
        "attack": {"name": "badnets", "trigger": {"name": "patch", "size": 3}},
        "training": {"epochs": 2, "lr": 0.01}, "seed": 7,
        "metrics": {"clean_accuracy": 0.97, "attack_success_rate": 0.99},
        "files": {"model.safetensors": digest}}))
    text = build_bom(folder)
    assert validate_bom(text) == []
    doc = json.loads(text)
    card = doc["metadata"]["component"]["modelCard"]
    assert card["modelParameters"]["modelArchitecture"] == "small_cnn"
    metrics = {m["type"]: m["value"] for m in card["quantitativeAnalysis"]["performanceMetrics"]}
    assert metrics == {"clean_accuracy": "0.97", "attack_success_rate": "0.99"}
    names = {p["name"] for p in card["properties"]}
    assert {"trojanscope:attack:trigger:name", "trojanscope:training:epochs"} <= names
    assert any(c["type"] == "data" and c["name"] == "mnist" for c in doc["components"])


def test_hostile_manifest_still_gives_a_valid_bom(folder):
    (folder / "manifest.json").write_text('{"arch": 5, "metrics": [1], "dataset": "x"')
    assert validate_bom(build_bom(folder)) == []
    (folder / "manifest.json").write_text('{"arch": 5, "metrics": {"a": {"b": 1}}, "seed": null}')
    assert validate_bom(build_bom(folder)) == []


def test_not_a_folder(tmp_path):
    with pytest.raises(UserInputError, match="not a folder"):
        build_bom(tmp_path / "missing")


def test_bom_of_a_hugging_face_folder(tmp_path):
    from trojanscope.testing.hf_corpus import write_trick

    folder = tmp_path / "hf"
    write_trick(folder, "os-system-in-modeling")
    config = json.loads((folder / "config.json").read_text())
    config["_name_or_path"] = "org/base-bert"
    (folder / "config.json").write_text(json.dumps(config))
    text = build_bom(folder)
    assert validate_bom(text) == []
    doc = json.loads(text)
    model = doc["metadata"]["component"]
    assert model["pedigree"]["ancestors"][0]["name"] == "org/base-bert"
    props = {p["name"]: p["value"] for p in model["properties"]}
    assert props["huggingface:architecture"] == "BertForSequenceClassification"
    assert props["huggingface:remote_code"] == "config.json:AutoModel=modeling_evil.EvilModel"
    assert model["modelCard"]["modelParameters"]["task"] == "sequence-classification"
    comps = {c["name"]: c for c in doc["components"]}
    tokenizer = {p["name"]: p["value"] for p in comps["BertTokenizer"]["properties"]}
    assert tokenizer["huggingface:tokenizer_class"] == "BertTokenizer"
    files = {p.name for p in folder.iterdir()}
    assert files <= set(comps)
    for name in files:
        assert comps[name]["hashes"][0]["content"] == hashlib.sha256(
            (folder / name).read_bytes()).hexdigest()
    code = {p["name"]: p["value"] for p in comps["modeling_evil.py"]["properties"]}
    assert code["trojanscope:remote_code"] == "loaded-by-auto-map"
    assert code["trojanscope:scan:max_severity"] == "critical"


def test_a_tree_file_made_by_other_code_is_a_model_component(tmp_path):
    """Stop 65's first contact: ``bom lgb/`` listed a LightGBM text file (format ``lightgbm``)
    as a plain file with no framework; an XGBoost or LightGBM file is the folder's model."""
    folder = tmp_path / "lgb"
    folder.mkdir()
    (folder / "fraud-lgbm.txt").write_text("tree\nversion=v4\nnum_class=1\n")
    (folder / "model.json").write_text('{"learner": {}}')
    doc = json.loads(build_bom(folder))
    comps = {c["name"]: c for c in doc["components"]}
    for name, kind in (("fraud-lgbm.txt", "lightgbm"), ("model.json", "xgboost")):
        props = {p["name"]: p["value"] for p in comps[name]["properties"]}
        assert comps[name]["type"] == "machine-learning-model"
        assert props["trojanscope:format"] == props["trojanscope:framework"] == kind


def test_a_trojanscope_text_run_has_no_hugging_face_properties(tmp_path):
    """Stop 65: a TextCNN run (manifest, ``vocab.json`` beside ``model.safetensors``, no
    ``config.json``) got ``huggingface:model_type=unknown``; ``is_hf_folder`` says no now."""
    folder = tmp_path / "run"
    folder.mkdir()
    safetensors_good(folder / "model.safetensors")
    (folder / "vocab.json").write_text("{}")
    (folder / "manifest.json").write_text(json.dumps({"arch": {"name": "textcnn"}}))
    props = json.loads(build_bom(folder))["metadata"]["component"].get("properties", [])
    assert not [p for p in props if p["name"].startswith("huggingface:")]
