"""``mitigate`` on a network of dense layers made elsewhere (stop 70): an MLP whose input is one
flat row takes an ``.npz`` of images flattened, as ``detect`` gives them, and its purified file
keeps the flat input; images of another size are refused in one line; ``clp`` (and
``--data-free``'s ``auto``) refuses a network without convolutions instead of handing it back
unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from onnx_files import mlp_graph
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError
from trojanscope.mitigate.clp import CLP, NO_CONVOLUTION


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """An skl2onnx-shaped MLP over 64 values (8 x 8 images flattened), 3 classes, and 120
    images of 1 x 8 x 8 labelled by it; 60 images of 1 x 9 x 9."""
    import onnxruntime as ort

    root = tmp_path_factory.mktemp("flat")
    model, _ = mlp_graph(features=64, classes=3, zipmap=False, seed=1)
    (root / "mlp.onnx").write_bytes(model.SerializeToString())
    rng = np.random.default_rng(0)
    x = rng.random((120, 1, 8, 8), dtype=np.float32)
    sess = ort.InferenceSession(str(root / "mlp.onnx"), providers=["CPUExecutionProvider"])
    y = sess.run(["label"], {"X": x.reshape(120, -1)})[0].ravel().astype(np.int64)
    np.savez(root / "images.npz", x=x, y=y)
    np.savez(root / "wrong.npz", x=rng.random((60, 1, 9, 9), dtype=np.float32),
             y=np.arange(60) % 3)
    return root


@pytest.fixture(scope="module")
def purified(files: Path) -> tuple[Path, int, dict]:
    """The MLP purified from the images (one short fine-tune): the folder, exit code and its
    ``mitigation.json`` (the report ``--format json`` prints, and the record)."""
    out = files / "fixed"
    code = run(["mitigate", str(files / "mlp.onnx"), "--data", str(files / "images.npz"),
                "--method", "finetune", "-p", "epochs=1", "--out", str(out)])
    return out, code, json.loads((out / "mitigation.json").read_text())


def test_an_mlp_of_flat_rows_is_purified_from_images_and_keeps_its_input(
        files: Path, purified: tuple[Path, int, dict]) -> None:
    import onnx

    out, code, record = purified
    assert code == 0 and record["method"] == "finetune" and "ca" in record["after"]
    assert record["input_shape"] == [64]
    graph = onnx.load(str(out / "model.onnx")).graph
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim][1:] == [64]
    from trojanscope.io.models import images_for_flat_input, load_model

    back = load_model(out / "model.onnx")  # read back: flat rows, or the images flattened
    assert back.input_shape == (64,)
    images = np.load(files / "images.npz")["x"]
    flat = back.module(torch.from_numpy(images.reshape(120, -1)))
    from trojanscope.data.dataset import make_dataset

    images_for_flat_input(back, make_dataset(images, np.zeros(120, np.int64), num_classes=3))
    assert back.input_shape == (1, 8, 8)
    assert torch.allclose(back.module(torch.from_numpy(images)), flat)


def test_the_torchscript_copy_takes_the_images_and_stays_outside_calibration(
        files: Path, purified: tuple[Path, int, dict]) -> None:
    """Stop 71: ``model.torchscript.pt`` beside the purified ``model.onnx`` took flat rows only
    and carried no mark, so it refused the images and would read as a calibrated torch
    network; now it takes both and says how its source was read, as ``model.onnx`` does."""
    from trojanscope.io.models import load_model, outside_calibration
    from trojanscope.io.onnx_probability import LOGITS_READ

    out, _, _ = purified
    script = load_model(out / "model.torchscript.pt")
    onnx_copy = load_model(out / "model.onnx")
    assert script.module.output_read == onnx_copy.module.output_read == LOGITS_READ
    assert outside_calibration(script.module) == outside_calibration(onnx_copy.module)
    images = torch.from_numpy(np.load(files / "images.npz")["x"][:20])
    rows = script.module(images.reshape(20, -1))
    assert torch.allclose(script.module(images), rows)
    assert torch.allclose(rows, onnx_copy.module(images.reshape(20, -1)), atol=1e-5)


def test_images_of_another_size_are_refused_in_one_line(files: Path, capsys) -> None:
    out = files / "nope"
    code = run(["mitigate", str(files / "mlp.onnx"), "--data", str(files / "wrong.npz"),
                "--method", "finetune", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "takes rows of 64 values" in err[0]
    assert not out.exists()


@pytest.mark.parametrize("method", ["clp", "auto"])
def test_data_free_on_a_dense_network_is_refused(files: Path, capsys, method: str) -> None:
    out = files / f"clp-{method}"
    code = run(["mitigate", str(files / "mlp.onnx"), "--data-free", "--method", method,
                "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [f"error: {NO_CONVOLUTION}"]
    assert not out.exists()


def test_clp_says_how_many_channels_it_pruned() -> None:
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 3))
    method = CLP(u=1.0)
    with torch.no_grad():
        model[0].weight[2] *= 50
    method.apply(model, None)
    assert method.report_ == {"pruned": 1}
    with pytest.raises(UserInputError, match="has no convolution"):
        CLP().apply(nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2)), None)
