"""Max pooling that runs its forward pass in channels-last memory layout (issue 9, stop 59).

On a CPU, PyTorch's max pooling of an ordinary (NCHW, "channels-first") tensor is a scalar
loop, while its channels-last kernel is vectorised over channels: on our MNIST CNNs' shapes
(300 images, 32 channels, 28×28) the forward pass takes about a third of the time even with the
layout copy paid. The probes of ``detect`` pass the same clean images through an image CNN
hundreds of times, so the pooling is a fifth of their time (stop 58's profile).

The result must not change a verdict, so this is exact, not approximate: the forward pass pools
a channels-last copy and hands back an ordinary tensor with the same values and the same
chosen index per window (ties and NaN included), and the backward pass is PyTorch's own
channels-first backward kernel fed those indices — the input gradient is the one
``F.max_pool2d`` gives, bit for bit (``tests/models/test_pooling.py``). Only the memory layout
of the work changes; convolutions are left in their layout (channels-last convolutions round
differently).

Where the fast path could not be followed (TorchScript tracing or scripting, ONNX export, a
``torch.fx`` proxy, a tensor subclass, anything but a 4-d tensor) the ordinary
``F.max_pool2d`` runs, so exported files and graphs read as before.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

_Pair = list[int]


def _pair(value: Any) -> _Pair:
    """``2`` → ``[2, 2]``; a pair stays a pair (as ``nn.MaxPool2d`` accepts either)."""
    return [int(value), int(value)] if isinstance(value, int) else [int(v) for v in value]


class _ChannelsLastMaxPool(torch.autograd.Function):
    """The forward in channels-last, the backward with the channels-first kernel."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, kernel: _Pair, stride: _Pair, padding: _Pair,
                dilation: _Pair, ceil_mode: bool) -> Tensor:
        out, indices = torch.ops.aten.max_pool2d_with_indices(
            x.contiguous(memory_format=torch.channels_last), kernel, stride, padding, dilation,
            ceil_mode)
        indices = indices.contiguous()
        ctx.save_for_backward(x, indices)
        ctx.pool_args = (kernel, stride, padding, dilation, ceil_mode)
        return out.contiguous()

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, indices = ctx.saved_tensors
        kernel, stride, padding, dilation, ceil_mode = ctx.pool_args
        grad_x = torch.ops.aten.max_pool2d_with_indices_backward(
            grad.contiguous(), x, kernel, stride, padding, dilation, ceil_mode, indices)
        return grad_x, None, None, None, None, None


# Below this many elements the layout copies and the Python step cost more than they save (a
# batch of 8 LeNet maps, 8×6×28×28: 2.2 → 2.5 ms forward + backward; 64×8×16×16: 11.9 → 6.8 ms).
MIN_ELEMENTS = 1 << 16


def _fast_path(x: Any) -> bool:
    """Whether ``x`` is a plain 4-d channels-first tensor, large enough to gain, outside any
    tracing or export."""
    return (type(x) is Tensor and x.dim() == 4 and x.numel() >= MIN_ELEMENTS and x.is_contiguous()
            and not x.is_contiguous(memory_format=torch.channels_last)
            and not torch.jit.is_scripting() and not torch.jit.is_tracing()
            and not torch.onnx.is_in_onnx_export())


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``F.max_pool2d`` (no indices returned), computed in channels-last where that is exact
    and faster; the same values, layout and input gradient as ``F.max_pool2d``."""
    if not _fast_path(x):
        return F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode=ceil_mode)
    kernel = _pair(kernel_size)
    return _ChannelsLastMaxPool.apply(x, kernel, _pair(stride) if stride else kernel,
                                      _pair(padding), _pair(dilation), bool(ceil_mode))


class MaxPool2d(nn.MaxPool2d):
    """``nn.MaxPool2d`` pooling through :func:`max_pool2d`. It keeps the name, so what reads
    a model's layers by class name (coverage traits, exports) reads it as before."""

    def forward(self, x: Tensor) -> Tensor:
        if self.return_indices:
            return super().forward(x)
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode)
