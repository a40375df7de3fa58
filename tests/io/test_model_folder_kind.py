"""One rule for "is this a Hugging Face folder" and one for "how is this folder loaded" (stop
65): every caller (scanner, ML-BOM, loader, serve, the audit's model pick and its text-model
test) reads ``io.hf_folder``, on a TextCNN run (manifest, ``vocab.json``, no ``config.json``),
a MiniLM run (manifest and a hub ``config.json``) and a hub folder (no manifest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.io.hf_folder import is_hf_folder, model_folder_kind

SAFETENSORS = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "  # an empty header: names, no tensors
HUB_FILES = {"config.json": json.dumps({"model_type": "bert",
                                        "architectures": ["BertForSequenceClassification"]}),
             "tokenizer.json": "{}", "vocab.txt": "[PAD]\n[UNK]\n"}


def _folder(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    (folder / "model.safetensors").write_bytes(SAFETENSORS)
    return folder


@pytest.fixture
def folders(tmp_path) -> dict[str, Path]:
    manifest = json.dumps({"text": {"encoder": "vocab"}})
    return {"textcnn": _folder(tmp_path, "textcnn", {"manifest.json": manifest,
                                                     "vocab.json": "{}"}),
            "minilm": _folder(tmp_path, "minilm", {"manifest.json": manifest, **HUB_FILES}),
            "hub": _folder(tmp_path, "hub", HUB_FILES),
            "plain": _folder(tmp_path, "plain", {"notes.txt": "weights without names"})}


# what each caller says of each folder: hub layout (scan, bom) / loader / text model
EXPECTED = {"textcnn": (False, "run", True), "minilm": (True, "run", True),
            "hub": (True, "huggingface", True), "plain": (False, None, False)}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_caller_reads_the_one_rule(folders, name) -> None:
    from trojanscope.audit.data_check import reads_text
    from trojanscope.audit.steps_model import pick_model_path
    from trojanscope.bom.hf import hf_parts
    from trojanscope.cli.early_data import text_model
    from trojanscope.scan.layouts import HuggingFaceLayout

    folder = folders[name]
    layout, kind, text = EXPECTED[name]
    assert is_hf_folder(folder) is layout and HuggingFaceLayout().matches(folder) is layout
    assert (hf_parts(folder) is not None) is layout  # the ML-BOM's Hugging Face part
    assert model_folder_kind(folder) == kind
    assert reads_text(folder) is text and text_model(folder) is text
    if kind is not None:  # the audit loads the folder itself
        assert pick_model_path(folder) == folder


@pytest.mark.slow  # serve.service imports the input-level detectors and onnx: 10 s at load 14
def test_only_a_hub_folder_without_a_manifest_is_served_by_the_hub_loader(folders,
                                                                         monkeypatch) -> None:
    """``serve`` scans what the hub loader will read only where that loader reads the folder;
    a MiniLM run loads by its manifest (as ``load_model`` does)."""
    import trojanscope.io.scan_gate as gate
    from trojanscope.serve.service import refuse_dangerous

    seen: dict[str, object] = {}
    monkeypatch.setattr(gate, "refuse_dangerous",
                        lambda path, *a, reads=None, **k: seen.__setitem__(path.name, reads))
    for folder in folders.values():
        refuse_dangerous(folder)
    assert seen["hub"] and seen["textcnn"] is None and seen["minilm"] is None


def test_load_model_hands_only_a_hub_folder_to_the_hub_loader(folders, monkeypatch) -> None:
    import trojanscope.io.hf_load as hf_load
    from trojanscope.errors import UserInputError
    from trojanscope.io.models import load_model

    monkeypatch.setattr(hf_load, "load_hf_folder", lambda path: ("hub", path.name))
    assert load_model(folders["hub"], scan=False) == ("hub", "hub")
    for name in ("textcnn", "minilm"):  # read by the manifest, which these fakes lack
        with pytest.raises(UserInputError, match="manifest"):
            load_model(folders[name], scan=False)
    with pytest.raises(UserInputError, match=r"has no manifest\.json"):
        load_model(folders["plain"], scan=False)


def test_a_file_or_a_missing_path_is_no_folder_of_either_kind(tmp_path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"x")
    for path in (tmp_path / "model.onnx", tmp_path / "missing"):
        assert model_folder_kind(path) is None and not is_hf_folder(path)
