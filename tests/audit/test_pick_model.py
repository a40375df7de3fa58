"""Stop 67: ``audit`` on a folder without a manifest picks its one model file by its bytes, as
the loader tells them (``audit/steps_model.pick_model_path``, ``io/model_file.loads_as_model``),
not by its suffix; a file the loader would take wins over one it would refuse."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from onnx_files import write_ml_onnx
from trojanscope.audit.steps_model import pick_model_path
from trojanscope.errors import UserInputError
from trojanscope.io.model_file import loads_as_model, torch_zip_kind

SAFETENSORS = (2).to_bytes(8, "little") + b"{}"
ONNX_HEAD = b"\x08\x07\x12\x07pytorch"  # ir_version, then a producer: ONNX by its bytes
XGBOOST = json.dumps({"learner": {}}).encode()


def _zip(path: Path, members: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name in members:
            zf.writestr(name, b"x")
    return path


def _torchscript(path: Path) -> Path:
    return _zip(path, ["m/data.pkl", "m/code/__torch__/m.py", "m/constants.pkl"])


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "model-dir"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def test_an_onnx_export_named_bin_is_found_beside_data_and_notes(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"model.bin": ONNX_HEAD, "README.md": b"# notes\n",
                                "labels.csv": b"a,label\n1,0\n"})
    np.savez(folder / "clean.npz", x=np.zeros((2, 1, 2, 2), np.float32))  # a zip, not a model
    assert pick_model_path(folder) == folder / "model.bin"


def test_renamed_files_are_told_by_their_bytes(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"model.json": XGBOOST, "notes.pt": b"not a model"})
    assert pick_model_path(folder) == folder / "model.json"  # no longer "0 model files"
    (folder / "model.json").unlink()
    _torchscript(folder / "scripted.onnx.zip")
    assert pick_model_path(folder) == folder / "scripted.onnx.zip"


@pytest.mark.parametrize("refused", [
    "weights.pt",  # safetensors without a manifest: the loader refuses it
    "checkpoint.pt",  # a plain checkpoint (data.pkl, no code)
    "classifier.onnx",  # a graph of ai.onnx.ml operators (skl2onnx's)
])
def test_a_file_the_loader_would_refuse_is_not_picked_over_one_it_takes(
        tmp_path: Path, refused: str) -> None:
    folder = _folder(tmp_path, {"model.bin": ONNX_HEAD})
    if refused == "weights.pt":
        (folder / refused).write_bytes(SAFETENSORS)
    elif refused == "classifier.onnx":
        write_ml_onnx(folder / refused)
    else:
        _zip(folder / refused, ["archive/data.pkl"])
    assert not loads_as_model(folder / refused)
    assert pick_model_path(folder) == folder / "model.bin"
    (folder / "model.bin").unlink()  # alone, it goes to the loader, which says why it refuses
    assert pick_model_path(folder) == folder / refused


def test_two_loadable_files_are_refused_by_name(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.bin": ONNX_HEAD, "b.json": XGBOOST})
    with pytest.raises(UserInputError, match=r"2 model files \(a\.bin, b\.json\)"):
        pick_model_path(folder)


def test_a_folder_of_data_only_has_no_model(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"table.csv": b"a,label\n1,0\n"})
    np.savez(folder / "clean.npz", x=np.zeros((2, 1, 2, 2), np.float32))
    with pytest.raises(UserInputError, match=r"0 model files \(none\)"):
        pick_model_path(folder)


def test_torch_zip_kind_reads_member_names(tmp_path: Path) -> None:
    assert torch_zip_kind(_torchscript(tmp_path / "a.pt")) == "torchscript"
    assert torch_zip_kind(_zip(tmp_path / "b.pt", ["archive/data.pkl"])) == "checkpoint"
    assert torch_zip_kind(_zip(tmp_path / "c.npz", ["x.npy"])) is None
    (tmp_path / "d.pt").write_bytes(b"PK\x03\x04 cut short")
    assert torch_zip_kind(tmp_path / "d.pt") is None


def test_a_pickled_checkpoint_named_pt_still_gets_the_loaders_words(tmp_path: Path) -> None:
    """Before stop 67 a folder's ``model.pt`` was picked by its name, and the loader said it is
    a pickle it never runs; told by its bytes it has no format, but is still the one picked."""
    folder = _folder(tmp_path, {"model.pt": b"\x80\x02}q\x00.", "notes.txt": b"hi\n"})
    assert pick_model_path(folder) == folder / "model.pt"
    (folder / "model.bin").write_bytes(ONNX_HEAD)  # one that loads wins
    assert pick_model_path(folder) == folder / "model.bin"


def test_audit_registry_finds_tree_files_by_their_bytes(tmp_path: Path) -> None:
    """``audit-registry`` listed files by suffix only: an XGBoost ``fraud.json`` or a LightGBM
    ``model.txt`` was never audited (hrev, stop 67); data and notes stay out."""
    from trojanscope.audit.batch import find_models

    folder = _folder(tmp_path, {"fraud.json": XGBOOST, "model.txt": b"tree\nversion=v4\n",
                                "settings.json": b'{"lr": 0.1}', "notes.txt": b"hello\n",
                                "model.onnx": ONNX_HEAD})
    np.savez(folder / "clean.npz", x=np.zeros((2, 1, 2, 2), np.float32))
    assert [p.name for p in find_models(tmp_path)] == ["fraud.json", "model.onnx", "model.txt"]


def test_the_pick_reads_each_file_s_format_once(tmp_path: Path, monkeypatch) -> None:
    """Stop 67 asked ``model_file_format`` of each file, then ``loads_as_model`` asked it again
    (hcmd's left item, stop 68): once now."""
    import trojanscope.io.model_file as model_file

    folder = _folder(tmp_path, {"model.bin": ONNX_HEAD, "b.json": XGBOOST, "n.txt": b"hi\n"})
    _torchscript(folder / "s.pt")
    asked: list[str] = []
    real = model_file.model_file_format

    def counted(path):
        asked.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(model_file, "model_file_format", counted)
    with pytest.raises(UserInputError, match="3 model files"):
        pick_model_path(folder)
    assert sorted(asked) == ["b.json", "model.bin", "n.txt", "s.pt"]
