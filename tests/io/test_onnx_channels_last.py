"""A graph taking N x H x W x C images that it transposes first (a Keras model's, as tf2onnx
writes it) read as taking C x H x W images, as every other image model (stop 69)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from onnx_files import write_onnx
from trojanscope.cli.early_model import check_model_data
from trojanscope.errors import UserInputError
from trojanscope.io.onnx_import import load_onnx, onnx_to_module


class ChannelsLast(nn.Module):
    """A small CNN that takes N x H x W x C images, as a Keras model does."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.conv(x.permute(0, 3, 1, 2))).flatten(1))


def _exported(tmp_path: Path) -> tuple[ChannelsLast, Path]:
    """The seeded CNN and its ONNX export taking N x 8 x 8 x 3 (input ``input_1``)."""
    torch.manual_seed(0)
    model = ChannelsLast().eval()
    path = tmp_path / "nhwc.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.rand(2, 8, 8, 3),), str(path), dynamo=False,
                          input_names=["input_1"], dynamic_axes={"input_1": {0: "N"}})
    return model, path


def test_a_keras_style_graph_takes_channels_first_images(tmp_path: Path) -> None:
    model, path = _exported(tmp_path)
    loaded = load_onnx(path)
    assert loaded.input_shape == (3, 8, 8) and loaded.ops[0] == "Transpose"
    x = torch.rand(5, 3, 8, 8)
    torch.testing.assert_close(loaded(x), model(x.permute(0, 2, 3, 1)), atol=1e-5, rtol=1e-5)


def _graph(extra_reader: bool, perm: list[int]) -> onnx.ModelProto:
    """X (N x 8 x 8 x 3) transposed by ``perm``, then summed; ``extra_reader``: X is also
    read by another node."""
    nodes = [helper.make_node("Transpose", ["X"], ["t"], perm=perm),
             helper.make_node("ReduceSum", ["t", "axes"], ["Y"], keepdims=0)]
    if extra_reader:
        nodes += [helper.make_node("Identity", ["X"], ["copy"])]
    outputs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", "k"])]
    if extra_reader:
        outputs.append(helper.make_tensor_value_info("copy", TensorProto.FLOAT,
                                                     ["N", 8, 8, 3]))
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 8, 8, 3])],
        outputs, initializer=[numpy_helper.from_array(np.array([2, 3], np.int64), "axes")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize(("extra_reader", "perm", "read_as"), [
    (False, [0, 3, 1, 2], (3, 8, 8)),
    (True, [0, 3, 1, 2], (8, 8, 3)),  # X read twice: left as the file says
    (False, [0, 3, 2, 1], (8, 8, 3)),  # another transpose: not C x H x W images
])
def test_only_a_certain_channels_last_input_is_read_channels_first(
        extra_reader: bool, perm: list[int], read_as: tuple) -> None:
    assert onnx_to_module(_graph(extra_reader, perm)).input_shape == read_as


def test_channels_first_images_are_left_to_the_loader_for_such_a_graph(tmp_path) -> None:
    """Stop 69: the early check refused 1 x 28 x 28 images for a 28 x 28 x 1 graph ("takes 28
    x 28 x 1 (C x H x W)"), which the loader reads where the graph transposes them first."""
    x = np.random.default_rng(0).random((4, 1, 28, 28), np.float32)
    np.savez(tmp_path / "clean.npz", x=x, y=np.arange(4))
    np.savez(tmp_path / "rgb.npz", x=np.zeros((4, 3, 28, 28), np.float32), y=np.arange(4))
    model = write_onnx(tmp_path / "nhwc.onnx", ["N", 28, 28, 1])
    check_model_data(model, {"--data": tmp_path / "clean.npz"})
    with pytest.raises(UserInputError, match=r"images of shape 3 x 28 x 28, but .* takes 28"):
        check_model_data(model, {"--data": tmp_path / "rgb.npz"})


def test_a_purified_keras_style_graph_keeps_its_channels_last_input(tmp_path: Path) -> None:
    """``mitigate``'s ``model.onnx`` of such a graph takes N x H x W x C as the source did (stop
    69 read-through: it took N x C x H x W) and reads back channels-first; the TorchScript file
    takes trojanscope's N x C x H x W."""
    from trojanscope.mitigate.run import MitigationResult
    from trojanscope.mitigate.save import save_foreign_mitigation

    model, path = _exported(tmp_path)
    loaded = load_onnx(path)
    result = MitigationResult(loaded, "none", {}, 0, 0, None, {}, {}, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        save_foreign_mitigation(tmp_path / "out", result, source_path=str(path),
                                input_shape=loaded.input_shape, seed=0)
    written = onnx.load(tmp_path / "out" / "model.onnx").graph.input[0]
    assert [d.dim_value for d in written.type.tensor_type.shape.dim][1:] == [8, 8, 3]
    again = load_onnx(tmp_path / "out" / "model.onnx")
    assert again.input_shape == (3, 8, 8)
    x = torch.rand(4, 3, 8, 8)
    torch.testing.assert_close(again(x), model(x.permute(0, 2, 3, 1)), atol=1e-5, rtol=1e-5)
    scripted = torch.jit.load(tmp_path / "out" / "model.torchscript.pt")
    torch.testing.assert_close(scripted(x), model(x.permute(0, 2, 3, 1)), atol=1e-5, rtol=1e-5)
