"""TorchScript lifted to an editable module: same outputs, real layers, trainable weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.errors import UserInputError
from trojanscope.io.onnx_import import OnnxModule
from trojanscope.io.script_lift import lift_torchscript


def _net() -> nn.Module:
    torch.manual_seed(0)
    norm = nn.BatchNorm2d(4)
    norm.running_mean.uniform_(-0.5, 0.5)
    norm.running_var.uniform_(0.5, 2.0)
    return nn.Sequential(
        nn.ZeroPad2d((0, 1, 0, 1)),  # asymmetric padding, folded into the lifted convolution
        nn.Conv2d(1, 4, 3, stride=2), nn.GroupNorm(2, 4), nn.ELU(), norm,
        nn.Conv2d(4, 6, 3, padding=1, groups=2), nn.GELU(), nn.Flatten(),
        nn.Linear(6 * 7 * 7, 16), nn.LayerNorm(16), nn.Hardswish(), nn.Linear(16, 3),
    ).eval()


def test_lifted_module_computes_the_same_and_names_its_layers() -> None:
    net = _net()
    scripted = torch.jit.trace(net, torch.rand(2, 1, 14, 14))
    lifted = lift_torchscript(scripted, (1, 14, 14))
    assert isinstance(lifted, OnnxModule)
    x = torch.rand(5, 1, 14, 14)
    with torch.no_grad():
        assert torch.allclose(lifted(x), net(x), atol=1e-5)
    kinds = [type(m).__name__ for _, m in lifted.layers.named_children()]
    assert kinds == ["Conv2d", "_BatchNorm", "Conv2d", "Linear", "Linear"]
    # the weights live in the layers and train: a gradient reaches the first convolution
    lifted(x).sum().backward()
    first = next(iter(lifted.layers.values()))
    assert first.weight.grad is not None and first.weight.grad.abs().sum() > 0


def test_a_model_the_export_cannot_capture_is_refused() -> None:
    class Branchy(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if x.sum() > 0:  # data-dependent control flow: scripted, not exportable as traced
                return x.flatten(1)[:, :2]
            return -x.flatten(1)[:, :2]

    with pytest.raises(UserInputError, match="TorchScript"):
        lift_torchscript(torch.jit.script(Branchy()), (1, 4, 4))


def test_lifted_batch_norm_learns_its_statistics_in_training_mode() -> None:
    """Fine-tuning a lifted model moves its running statistics, as it would a native one."""
    net = _net()
    lifted = lift_torchscript(torch.jit.trace(net, torch.rand(2, 1, 14, 14)), (1, 14, 14))
    norm = next(m for m in lifted.layers.values() if "BatchNorm" in type(m).__name__)
    before = norm.running_mean.clone()
    lifted.train()
    lifted(torch.rand(8, 1, 14, 14) * 3)
    assert not torch.allclose(norm.running_mean, before)
