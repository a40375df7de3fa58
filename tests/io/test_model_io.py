"""Saving and loading: every saved format reloads to the same function; bad files fail clearly."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import torch

from trojanscope.attacks import BadNets
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.io.manifest import read_manifest
from trojanscope.io.models import from_module, load_model


@pytest.fixture(scope="module")
def saved(tmp_path_factory, tiny_train, tiny_test):
    result = run_experiment(
        "synthetic",
        attack=BadNets(poison_rate=0.2),
        trainer=Trainer(epochs=1),
        seed=2,
        arch_params={"width": 8},
        train_split=tiny_train,
        test_split=tiny_test,
    )
    out = tmp_path_factory.mktemp("m") / "model"
    save_experiment(result, out)
    return result, out


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        (".", "safetensors"),
        ("model.safetensors", "safetensors"),
        ("model.torchscript.pt", "torchscript"),
        ("model.onnx", "onnx"),
    ],
)
def test_round_trip(saved, name: str, fmt: str) -> None:
    result, out = saved
    loaded = load_model(out / name)
    assert loaded.format == fmt
    x = torch.rand(5, *result.train.input_shape, requires_grad=True)
    expected = result.model(x)
    got = loaded.module(x)
    assert torch.allclose(got, expected, atol=1e-4)
    grad = torch.autograd.grad(got.sum(), x)[0]
    assert torch.allclose(grad, torch.autograd.grad(expected.sum(), x)[0], atol=1e-4)
    if fmt != "torchscript":
        assert loaded.input_shape == result.train.input_shape


def test_manifest_contents(saved) -> None:
    _, out = saved
    m = read_manifest(out)
    assert m.arch.name == "cnn" and m.arch.args == {"width": 8}
    assert m.attack is not None and m.attack.name == "badnets" and m.attack.target == 0
    assert m.attack.target_of_class == [0, 0, 0, 0]
    assert set(m.versions) >= {"trojanscope", "torch", "python"}
    assert m.num_classes == 4 and m.seed == 2


def test_module_wrapper() -> None:
    module = torch.nn.Linear(3, 2)
    loaded = from_module(module, input_shape=(3,), class_names=["a", "b"])
    assert loaded.num_classes == 2 and loaded.format == "module"


def test_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "junk.bin").write_bytes(b"hello world, not a model")
    with pytest.raises(UserInputError, match="not a model"):
        load_model(tmp_path / "junk.bin")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(UserInputError, match="empty"):
        load_model(tmp_path / "empty.pt")
    with pytest.raises(UserInputError, match="no such file"):
        load_model(tmp_path / "missing.onnx")
    with pytest.raises(UserInputError, match=r"no manifest\.json"):
        load_model(tmp_path)


def test_plain_checkpoint_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {marker}",))

    torch.save({"w": torch.zeros(1), "evil": Payload()}, tmp_path / "ckpt.pt")
    with pytest.raises(UserInputError, match="checkpoint"):
        load_model(tmp_path / "ckpt.pt")
    assert not marker.exists()
    # The same bytes really are dangerous: prove the payload would have fired.
    with zipfile.ZipFile(tmp_path / "ckpt.pt") as zf:
        data = zf.read(next(n for n in zf.namelist() if n.endswith("data.pkl")))
    assert b"system" in data


def test_tampered_manifest(saved, tmp_path: Path) -> None:
    _, out = saved
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes())
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["arch"] = {"name": "lenet5", "args": {}}
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserInputError, match="do not match architecture 'lenet5'"):
        load_model(bad)
    manifest["arch"] = {"name": "lenet5", "args": {"width": 8}}
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserInputError, match="has no parameter"):
        load_model(bad)
    manifest["input_shape"] = "big"
    (bad / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserInputError, match="invalid manifest: input_shape"):
        load_model(bad)
    (bad / "manifest.json").write_text("{not json")
    with pytest.raises(UserInputError, match="not a readable JSON manifest"):
        load_model(bad)


def test_truncated_safetensors(saved, tmp_path: Path) -> None:
    _, out = saved
    bad = tmp_path / "trunc"
    bad.mkdir()
    (bad / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes()[:1000])
    (bad / "manifest.json").write_text((out / "manifest.json").read_text())
    with pytest.raises(UserInputError):
        load_model(bad)


@pytest.mark.parametrize(("name", "renamed", "fmt"), [
    ("model.onnx", "weights.bin", "onnx"),  # ONNX has no magic: its producer names pytorch
    ("model.safetensors", "weights.pt", "safetensors"),
    ("model.torchscript.pt", "script.onnx", "zip"),
])
def test_a_renamed_file_gets_one_answer_early_and_late(saved, tmp_path: Path, name: str,
                                                      renamed: str, fmt: str) -> None:
    """Stop 67: the early checks and the loader tell a file by its bytes (io.model_file)."""
    import shutil

    from trojanscope.io.model_file import model_file_format
    from trojanscope.io.model_kind import model_input

    _, out = saved
    shutil.copy(out / name, tmp_path / renamed)
    shutil.copy(out / "manifest.json", tmp_path / "manifest.json")
    assert model_file_format(tmp_path / renamed) == model_file_format(out / name) == fmt
    assert model_input(tmp_path / renamed) == model_input(out / name)
    if fmt != "zip":  # a TorchScript archive loads in a sandboxed child (test_round_trip)
        assert load_model(tmp_path / renamed).format == fmt
