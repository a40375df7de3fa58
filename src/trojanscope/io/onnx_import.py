"""Load ONNX models as differentiable torch modules.

Backdoor detectors optimise triggers through a model's gradients, so an ONNX file has to become an
``nn.Module`` whose forward is made of torch ops. The maintained converter (onnx2torch) needs
torchvision, which does not import beside our CPU torch, so this module interprets the graph
itself: one small function per operator, run in the graph's (topological) node order. Operators it
does not know are refused when the model is loaded, never at the first forward.

The file is untrusted: it is parsed without external data first, and every external-data location
must stay inside the model's folder before any of it is read.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np
import onnx
import onnx.inliner
import torch
import torch.nn.functional as F
from onnx import TensorProto, external_data_helper, numpy_helper
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.io.onnx_dense import dense_pairs
from trojanscope.io.onnx_header import DEFAULT_DOMAINS, opset_words
from trojanscope.io.onnx_probability import branch_of, probability_model, stamped_read
from trojanscope.io.onnx_tensors import all_tensors
from trojanscope.models.pooling import max_pool2d

__all__ = ["SUPPORTED_OPS", "OnnxModule", "infer_input_shape", "load_onnx", "onnx_to_module"]


_FLOATS = {TensorProto.FLOAT: torch.float32, TensorProto.DOUBLE: torch.float64,
           TensorProto.FLOAT16: torch.float16}
_DTYPES = {**_FLOATS, TensorProto.INT64: torch.int64, TensorProto.INT32: torch.int32,
           TensorProto.INT16: torch.int16, TensorProto.INT8: torch.int8,
           TensorProto.UINT8: torch.uint8, TensorProto.BOOL: torch.bool}

Args = list[Tensor | None]
OpFn = Callable[[Args, dict[str, Any], int], "Tensor | tuple[Tensor, ...]"]


# --- helpers -------------------------------------------------------------------------------------

def _arg(args: Args, i: int) -> Tensor | None:
    """Optional input ``i`` (absent or given as the empty name)."""
    return args[i] if i < len(args) else None


def _ints(t: Tensor | None) -> list[int] | None:
    return None if t is None else [int(v) for v in t.reshape(-1).tolist()]


def _axes(args: Args, attrs: dict[str, Any], index: int) -> list[int] | None:
    """Axes from the attribute (older opsets) or from input ``index`` (opset 13/18 and later)."""
    return list(attrs["axes"]) if "axes" in attrs else _ints(_arg(args, index))


def _spatial(attrs: dict[str, Any], x: Tensor, kernel: list[int]) -> tuple[list, list, list]:
    """Strides, dilations and ONNX pads ``[b1..bn, e1..en]`` of a conv/pool node (auto_pad done)."""
    n = len(kernel)
    strides, dils = attrs.get("strides", [1] * n), attrs.get("dilations", [1] * n)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for size, k, s, d in zip(x.shape[2:], kernel, strides, dils, strict=True):
            total = max(0, (math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size)
            small, big = total // 2, total - total // 2
            begin.append(small if auto == "SAME_UPPER" else big)
            end.append(big if auto == "SAME_UPPER" else small)
        return strides, dils, begin + end
    pads = [0] * (2 * n) if auto == "VALID" else list(attrs.get("pads", [0] * (2 * n)))
    return strides, dils, pads


def _torch_pad(pads: list[int]) -> list[int]:
    """ONNX pads ``[b1..bn, e1..en]`` (first axis first) to F.pad's order (last axis first)."""
    n = len(pads) // 2
    return [p for i in reversed(range(n)) for p in (pads[i], pads[i + n])]


def _native_pad(pads: list[int], kernel: list[int]) -> list[int] | None:
    """Symmetric pads torch's pooling can take directly, else None (pad explicitly instead)."""
    n = len(kernel)
    ok = pads[:n] == pads[n:] and all(2 * p <= k for p, k in zip(pads[:n], kernel, strict=True))
    return pads[:n] if ok else None


# --- elementwise ---------------------------------------------------------------------------------

def _div(a: Tensor, b: Tensor) -> Tensor:
    return a / b if a.is_floating_point() else torch.div(a, b, rounding_mode="trunc")


_UNARY: dict[str, Callable[[Tensor], Tensor]] = {
    "Identity": lambda x: x, "Relu": F.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh,
    "Neg": torch.neg, "Sqrt": torch.sqrt, "Exp": torch.exp, "Log": torch.log, "Erf": torch.erf,
    "Abs": torch.abs, "Reciprocal": torch.reciprocal, "Floor": torch.floor, "Ceil": torch.ceil,
    "Not": torch.logical_not,
}
_BINARY: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": _div,
    "Pow": lambda a, b: torch.pow(a, b).to(a.dtype), "Equal": torch.eq, "Greater": torch.gt,
    "Less": torch.lt, "And": torch.logical_and, "Or": torch.logical_or,
}


def _softmax_op(fn: Callable[..., Tensor]) -> OpFn:
    """Softmax/LogSoftmax; before opset 13 they ran over all axes from ``axis`` on, flattened."""
    def op(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
        x = args[0]
        if opset >= 13:
            return fn(x, dim=attrs.get("axis", -1))
        axis = attrs.get("axis", 1) % max(x.dim(), 1)
        return fn(x.flatten(axis), dim=axis).reshape(x.shape)
    return op


# --- convolution, pooling, normalization, dense ---------------------------------------------------

def _conv(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, w, b = args[0], args[1], _arg(args, 2)
    kernel = list(w.shape[2:])
    strides, dils, pads = _spatial(attrs, x, kernel)
    n = len(kernel)
    padding: list[int] | int = pads[:n]
    if pads[:n] != pads[n:]:
        x, padding = F.pad(x, _torch_pad(pads)), 0
    conv = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    return conv(x, w, b, strides, padding, dils, attrs.get("group", 1))


def _max_pool(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, kernel = args[0], list(attrs["kernel_shape"])
    strides, dils, pads = _spatial(attrs, x, kernel)
    padding = _native_pad(pads, kernel)
    if padding is None:
        x, padding = F.pad(x, _torch_pad(pads), value=-math.inf), [0] * len(kernel)
    pool = (F.max_pool1d, max_pool2d, F.max_pool3d)[len(kernel) - 1]  # 2-d: channels-last, exact
    return pool(x, kernel, strides, padding, dils, ceil_mode=bool(attrs.get("ceil_mode", 0)))


def _avg_pool(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, kernel = args[0], list(attrs["kernel_shape"])
    strides, _, pads = _spatial(attrs, x, kernel)
    ceil, include = bool(attrs.get("ceil_mode", 0)), bool(attrs.get("count_include_pad", 0))
    pool = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[len(kernel) - 1]
    padding = _native_pad(pads, kernel)
    if padding is not None:
        return pool(x, kernel, strides, padding, ceil, include)
    pad = _torch_pad(pads)
    out = pool(F.pad(x, pad), kernel, strides, 0, ceil, True)
    if include:
        return out
    ones = F.pad(torch.ones_like(x[:1, :1]), pad)  # share of real (unpadded) cells per window
    return out / pool(ones, kernel, strides, 0, ceil, True)


def _batch_norm(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, scale, bias, mean, var = args[:5]  # running statistics are not learnt by gradient
    eps = attrs.get("epsilon", 1e-5)
    return F.batch_norm(x, mean.detach(), var.detach(), scale, bias, False, 0.0, eps)


def _layer_norm(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    """Normalise over the axes from ``axis`` on, then scale and shift (opset 17)."""
    x, scale, bias = args[0], args[1], _arg(args, 2)
    axis = attrs.get("axis", -1) % x.dim()
    dims = tuple(range(axis, x.dim()))
    mean = x.mean(dims, keepdim=True)
    var = (x - mean).pow(2).mean(dims, keepdim=True)
    out = (x - mean) / torch.sqrt(var + attrs.get("epsilon", 1e-5)) * scale
    return out if bias is None else out + bias


def _gemm(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    a, b, c = args[0], args[1], _arg(args, 2)
    a = a.t() if attrs.get("transA", 0) else a
    b = b.t() if attrs.get("transB", 0) else b
    alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
    if c is None:
        return alpha * (a @ b)
    return torch.addmm(c, a, b, beta=beta, alpha=alpha)


def _matmul_add(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    """A ``MatMul`` and the ``Add`` of its bias, joined (:mod:`.onnx_dense`)."""
    return torch.matmul(args[0], args[1]) + args[2]


def _reduce(method: str) -> OpFn:
    """ReduceMean/Sum/Max/Min: axes attribute or input; no axes means all (or none, if noop)."""
    def op(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
        x, axes = args[0], _axes(args, attrs, 1)
        if not axes:
            if attrs.get("noop_with_empty_axes", 0):
                return x
            axes = list(range(x.dim()))
        dims = tuple(a % x.dim() for a in axes)
        return getattr(x, method)(dim=dims, keepdim=bool(attrs.get("keepdims", 1)))
    return op


# --- shapes --------------------------------------------------------------------------------------

def _flatten(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, axis = args[0], attrs.get("axis", 1)
    axis = axis + x.dim() if axis < 0 else axis
    return x.reshape(math.prod(x.shape[:axis]), math.prod(x.shape[axis:]))


def _reshape(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, shape = args[0], _ints(args[1]) or []
    if not attrs.get("allowzero", 0):  # 0 means "keep this dimension"
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def _shape(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    dims = list(args[0].shape)[attrs.get("start", 0):attrs.get("end")]
    return torch.tensor(dims, dtype=torch.int64, device=args[0].device)


def _gather(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, idx = args[0], args[1].long()
    axis = attrs.get("axis", 0) % x.dim()
    idx = torch.where(idx < 0, idx + x.shape[axis], idx)
    out = x.index_select(axis, idx.reshape(-1))
    return out.reshape((*x.shape[:axis], *idx.shape, *x.shape[axis + 1:]))


def _unsqueeze(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, axes = args[0], _axes(args, attrs, 1) or []
    rank = x.dim() + len(axes)
    for a in sorted(a % rank for a in axes):
        x = x.unsqueeze(a)
    return x


def _squeeze(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, axes = args[0], _axes(args, attrs, 1)
    return x.squeeze() if axes is None else x.squeeze(tuple(a % x.dim() for a in axes))


def _slice(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, starts, ends = args[0], _ints(args[1]) or [], _ints(args[2]) or []
    axes = _ints(_arg(args, 3)) or list(range(len(starts)))
    steps = _ints(_arg(args, 4)) or [1] * len(starts)
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        axis %= x.dim()
        picked = range(*slice(start, end, step).indices(x.shape[axis]))  # ONNX clamps like Python
        if step > 0:
            x = x[(slice(None),) * axis + (slice(picked.start, picked.stop, step),)]
        else:
            x = x.index_select(axis, torch.tensor(list(picked), dtype=torch.long, device=x.device))
    return x


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _pad(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    x, pads = args[0], _ints(args[1]) or []
    value, axes, n = _arg(args, 2), _ints(_arg(args, 3)), args[0].dim()
    if axes is not None:  # opset 18: pads only for the listed axes
        full = [0] * (2 * n)
        for i, a in enumerate(axes):
            full[a % n], full[a % n + n] = pads[i], pads[i + len(axes)]
        pads = full
    torch_pads = _torch_pad(pads)
    while len(torch_pads) > 2 and torch_pads[-2:] == [0, 0]:  # leading unpadded axes
        torch_pads = torch_pads[:-2]
    mode = _PAD_MODES[attrs.get("mode", "constant")]
    if mode != "constant":
        return F.pad(x, torch_pads, mode=mode)
    return F.pad(x, torch_pads, value=0.0 if value is None else value.item())


def _constant_of_shape(args: Args, attrs: dict[str, Any], opset: int) -> Tensor:
    value = attrs.get("value", torch.zeros(1))
    shape = _ints(args[0]) or []
    return torch.full(shape, value.item(), dtype=value.dtype, device=args[0].device)


def _elementwise(fn: Callable[..., Tensor], arity: int) -> OpFn:
    return lambda args, attrs, opset: fn(*args[:arity])


_OPS: dict[str, OpFn] = {
    **{name: _elementwise(fn, 1) for name, fn in _UNARY.items()},
    **{name: _elementwise(fn, 2) for name, fn in _BINARY.items()},
    # activations, selection
    "LeakyRelu": lambda a, at, _: F.leaky_relu(a[0], at.get("alpha", 0.01)),
    "Gelu": lambda a, at, _: F.gelu(a[0], approximate=at.get("approximate", "none")),
    "Elu": lambda a, at, _: F.elu(a[0], at.get("alpha", 1.0)),
    "Selu": lambda a, at, _: at.get("gamma", 1.0507009873554805) * torch.where(
        a[0] > 0, a[0], at.get("alpha", 1.6732632423543772) * (torch.exp(a[0]) - 1)),
    "PRelu": lambda a, at, _: torch.where(a[0] >= 0, a[0], a[1] * a[0]),
    "Softplus": lambda a, at, _: F.softplus(a[0]),
    "Softsign": lambda a, at, _: F.softsign(a[0]),
    "Mish": lambda a, at, _: F.mish(a[0]),
    "HardSigmoid": lambda a, at, _: torch.clamp(
        at.get("alpha", 0.2) * a[0] + at.get("beta", 0.5), 0.0, 1.0),
    "HardSwish": lambda a, at, _: F.hardswish(a[0]),
    "Clip": lambda a, at, _: (a[0] if _arg(a, 1) is None and _arg(a, 2) is None
                              else torch.clamp(a[0], _arg(a, 1), _arg(a, 2))),
    "Where": lambda a, at, _: torch.where(a[0].bool(), a[1], a[2]),
    "Dropout": lambda a, at, _: (a[0], torch.ones_like(a[0], dtype=torch.bool)),  # inference
    "Softmax": _softmax_op(torch.softmax), "LogSoftmax": _softmax_op(torch.log_softmax),
    # layers
    "Conv": _conv, "MaxPool": _max_pool, "AveragePool": _avg_pool,
    "GlobalAveragePool": lambda a, at, _: a[0].mean(tuple(range(2, a[0].dim())), keepdim=True),
    "GlobalMaxPool": lambda a, at, _: a[0].amax(tuple(range(2, a[0].dim())), keepdim=True),
    "BatchNormalization": _batch_norm, "LayerNormalization": _layer_norm, "Gemm": _gemm,
    "InstanceNormalization": lambda a, at, _: F.instance_norm(
        a[0], weight=a[1], bias=a[2], eps=at.get("epsilon", 1e-5)),
    "MatMul": lambda a, at, _: torch.matmul(a[0], a[1]),
    "ReduceMean": _reduce("mean"), "ReduceSum": _reduce("sum"),
    "ReduceMax": _reduce("amax"), "ReduceMin": _reduce("amin"),
    # shapes
    "Flatten": _flatten, "Reshape": _reshape, "Shape": _shape, "Gather": _gather,
    "Size": lambda a, at, _: torch.tensor(a[0].numel(), device=a[0].device),
    "Unsqueeze": _unsqueeze, "Squeeze": _squeeze, "Slice": _slice, "Pad": _pad,
    "Concat": lambda a, at, _: torch.cat([t for t in a if t is not None], dim=at["axis"]),
    "Transpose": lambda a, at, _: a[0].permute(at.get("perm", list(range(a[0].dim()))[::-1])),
    "Cast": lambda a, at, _: a[0].to(_DTYPES[at["to"]]),
    "ConstantOfShape": _constant_of_shape,
    "Expand": lambda a, at, _: a[0].expand(torch.broadcast_shapes(a[0].shape, tuple(_ints(a[1])))),
}
SUPPORTED_OPS = frozenset({*_OPS, "Constant"})  # Constant nodes are evaluated at import
_MAX_OUTPUTS = {"Dropout": 2}


def _unsupported_use(op: str, attrs: dict[str, Any], n_outputs: int) -> str | None:
    """Why a node of a supported type still cannot run here, or None when it can."""
    if n_outputs > _MAX_OUTPUTS.get(op, 1):
        return f"{op} with {n_outputs} outputs"
    if op == "BatchNormalization" and attrs.get("training_mode", 0):
        return "BatchNormalization in training mode"
    if op == "AveragePool" and any(d != 1 for d in attrs.get("dilations", [])):
        return "AveragePool with dilations"
    if op == "Pad" and attrs.get("mode", "constant") not in _PAD_MODES:
        return f"Pad mode {attrs['mode']!r}"
    if op == "Cast" and attrs.get("to") not in _DTYPES:
        return f"Cast to ONNX data type {attrs.get('to')}"
    return None


# --- the module ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Node:
    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict[str, Any]
    fn: OpFn


class OnnxModule(nn.Module):
    """An ONNX graph run with torch ops; differentiable w.r.t. its input and its float weights.

    Float initializers are trainable ``nn.Parameter``s (as in a native torch model), other
    initializers and Constant-node values are buffers, so ``.to(device)`` moves them all.
    """

    def __init__(self, weights: dict[str, Tensor], constants: dict[str, Tensor],
                 nodes: list[_Node], input_name: str, input_dtype: torch.dtype, output_name: str,
                 opset: int, input_shape: tuple[int, ...] | None, source: str) -> None:
        super().__init__()
        self._slots: dict[str, str] = {}
        for i, (name, value) in enumerate([*weights.items(), *constants.items()]):
            slot = f"t{i}_" + re.sub(r"\W", "_", name)[:48]
            if name in weights and value.is_floating_point():
                self.register_parameter(slot, nn.Parameter(value))
            else:
                self.register_buffer(slot, value)
            self._slots[name] = slot
        self._graph_nodes = nodes
        self.input_name, self.input_dtype, self.output_name = input_name, input_dtype, output_name
        self.opset, self.input_shape, self.source = opset, input_shape, source
        self.output_read: str | None = None  # a classifier's probabilities: how read (s68)
        self.image_shape: tuple[int, ...] | None = None  # images flattened for a flat input
        self.channels_last = False  # C x H x W images put back to the graph's H x W x C (s69)
        self.layers = nn.ModuleDict()  # Conv and Gemm nodes lifted to nn.Conv2d / nn.Linear
        self._layer_of: dict[int, str] = {}
        self._lift_layers(weights)

    def _lift_layers(self, weights: dict[str, Tensor]) -> None:
        """Run each 2-D Conv, plain Gemm, joined MatMul + Add (:mod:`.onnx_dense`) and
        BatchNormalization whose weights are the graph's own as a real ``nn.Conv2d`` /
        ``nn.Linear`` / batch-norm layer, so that code which names, hooks, prunes or
        fine-tunes layers (the mitigations, activation recording) handles an imported model
        like a native one. In eval mode the outputs are the same: only where
        the weights live changes."""
        uses = Counter(name for node in self._graph_nodes for name in node.inputs)
        for i, node in enumerate(self._graph_nodes):
            params = [name for name in node.inputs[1:] if name]
            if not params or any(n not in weights or uses[n] != 1 for n in params):
                continue
            layer = _as_layer(node, [weights[n] for n in params])
            if layer is None:
                continue
            key = f"{node.op.lower()}{i}"
            self.layers[key] = layer
            self._layer_of[i] = key
            for name in params:  # the weights now live in the layer only
                delattr(self, self._slots.pop(name))

    def forward(self, x: Tensor) -> Tensor:
        return self.run(x)[0]

    def run(self, x: Tensor, keep_ops: frozenset[str] = frozenset()) -> tuple[Tensor, list[Tensor]]:
        """The output, and the first output of every node whose operator is in ``keep_ops``, in
        graph order (intermediate activations, for detectors that look inside the model)."""
        env: dict[str, Tensor | None] = {"": None}
        env.update({name: getattr(self, slot) for name, slot in self._slots.items()})
        if self.channels_last and x.dim() == 4:  # the graph transposes them back first
            x = x.permute(0, 2, 3, 1)
        if self.image_shape is not None and x.dim() > 2:  # C x H x W images, flattened
            x = x.reshape(x.shape[0], -1)
        env[self.input_name] = x.to(self.input_dtype)
        kept: list[Tensor] = []
        for i, node in enumerate(self._graph_nodes):
            key = self._layer_of.get(i)
            if key is not None:
                out = _run_layer(self.layers[key], node, env[node.inputs[0]])
            else:
                out = node.fn([env[name] for name in node.inputs], node.attrs, self.opset)
            for name, value in zip(node.outputs, (out,) if isinstance(out, Tensor) else out,
                                   strict=False):
                env[name] = value
            if node.op in keep_ops:
                kept.append(out if isinstance(out, Tensor) else out[0])
        out = env[self.output_name]
        assert out is not None
        return out, kept

    def take_images(self, shape: tuple[int, ...]) -> bool:
        """Read images of ``shape`` (C, H, W) flattened in that order, where the graph takes
        one row of exactly C·H·W values (a scikit-learn model fitted on ``x.reshape(n, -1)``);
        False (nothing changed) where it does not."""
        flat = self.input_shape
        if flat is None or len(flat) != 1 or len(shape) != 3 or math.prod(shape) != flat[0]:
            return False
        self.image_shape, self.input_shape = tuple(shape), tuple(shape)
        return True

    def read_channels_first(self) -> None:
        """Take N x C x H x W images for a graph whose N x H x W x C input is read by one
        ``Transpose`` to N x C x H x W alone (a Keras model's graph, tf2onnx's export): each
        batch is put back channels-last on the way in, so the graph computes on the file's own
        input what it always did (:func:`_channels_last_input`)."""
        assert self.input_shape is not None and len(self.input_shape) == 3
        h, w, c = self.input_shape
        self.channels_last, self.input_shape = True, (c, h, w)

    @property
    def ops(self) -> list[str]:
        """The operator of every node, in graph order."""
        return [node.op for node in self._graph_nodes]

    def extra_repr(self) -> str:
        return f"source={self.source!r}, opset={self.opset}, nodes={len(self._graph_nodes)}"


def _as_layer(node: _Node, params: list[Tensor]) -> nn.Module | None:
    """An ``nn.Conv2d`` or ``nn.Linear`` holding a Conv, Gemm or joined MatMul node's weights
    (a batch-norm layer for BatchNormalization), or None when the node is not one of the
    plain forms those layers compute."""
    at = node.attrs
    if any(not p.is_floating_point() for p in params):
        return None
    if node.op == "Conv" and params[0].dim() == 4 and len(params) <= 2:
        w = params[0]
        groups = int(at.get("group", 1))
        layer = nn.Conv2d(w.shape[1] * groups, w.shape[0], tuple(w.shape[2:]),
                          stride=tuple(at.get("strides", [1, 1])), padding=0,
                          dilation=tuple(at.get("dilations", [1, 1])), groups=groups,
                          bias=len(params) == 2, dtype=w.dtype)
    elif (node.op == "Gemm" and params[0].dim() == 2 and not at.get("transA", 0)
          and at.get("alpha", 1.0) == 1.0 and at.get("beta", 1.0) == 1.0
          and (len(params) == 1 or params[1].dim() == 1)):
        w = params[0] if at.get("transB", 0) else params[0].t()
        layer = nn.Linear(w.shape[1], w.shape[0], bias=len(params) == 2, dtype=w.dtype)
    elif node.op == "MatMul" and len(params) == 2:  # a joined MatMul + Add (.onnx_dense)
        w, params = params[0].t(), [params[0], params[1].reshape(-1)]
        layer = nn.Linear(w.shape[1], w.shape[0], dtype=w.dtype)
    elif node.op == "BatchNormalization" and len(params) == 4 and params[0].dim() == 1:
        return _batch_norm_layer(node, params)
    else:
        return None
    with torch.no_grad():
        layer.weight.copy_(w)
        if len(params) == 2:
            layer.bias.copy_(params[1])
    return layer


class _BatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch normalisation over dim 1 of inputs of any rank (ONNX's one operator for all)."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected an input of 2 or more dimensions, got {input.dim()}")


def _batch_norm_layer(node: _Node, params: list[Tensor]) -> nn.Module:
    """A BatchNormalization node as a layer whose running statistics update when it trains,
    as a native model's do (ONNX momentum m keeps m of the old value; torch's keeps 1 - m)."""
    scale, bias, mean, var = params
    layer = _BatchNorm(scale.shape[0], eps=node.attrs.get("epsilon", 1e-5),
                       momentum=1.0 - node.attrs.get("momentum", 0.9), dtype=scale.dtype)
    with torch.no_grad():
        layer.weight.copy_(scale)
        layer.bias.copy_(bias)
        layer.running_mean.copy_(mean)
        layer.running_var.copy_(var)
    return layer


def _run_layer(layer: nn.Module, node: _Node, x: Tensor) -> Tensor:
    """A lifted node's output: ONNX padding (explicit, auto or asymmetric) then the layer."""
    if isinstance(layer, nn.Conv2d):
        _, _, pads = _spatial(node.attrs, x, list(layer.kernel_size))
        if any(pads):
            x = F.pad(x, _torch_pad(pads))
    if node.attrs.get("bias_rank") == 2 and x.dim() == 1:  # ONNX broadcasts to 1 x N
        return layer(x).unsqueeze(0)
    return layer(x)


# --- loading -------------------------------------------------------------------------------------

def _to_torch(tensor: TensorProto, where: str) -> Tensor:
    if external_data_helper.uses_external_data(tensor):
        raise UserInputError(f"{where}: tensor {tensor.name!r} lives in external data; "
                             "load the model from its file with load_onnx()")
    if tensor.data_type not in _DTYPES:
        raise UserInputError(f"{where}: tensor {tensor.name!r} has unsupported ONNX data type "
                             f"{TensorProto.DataType.Name(tensor.data_type)}")
    try:
        return torch.from_numpy(np.array(numpy_helper.to_array(tensor), copy=True))
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"{where}: tensor {tensor.name!r} is malformed ({exc})") from None


def _attrs(node: onnx.NodeProto, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in node.attribute:
        value = onnx.helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, TensorProto):
            value = _to_torch(value, where)
        out[a.name] = value
    return out


def _constant(attrs: dict[str, Any], where: str) -> Tensor:
    """The value of a Constant node."""
    if isinstance(attrs.get("value"), Tensor):
        return attrs["value"]
    for key, dtype in (("value_float", torch.float32), ("value_floats", torch.float32),
                       ("value_int", torch.int64), ("value_ints", torch.int64)):
        if key in attrs:
            return torch.tensor(attrs[key], dtype=dtype)
    raise UserInputError(f"{where}: a Constant node holds a non-numeric or sparse value")


def _load_external_data(model: onnx.ModelProto, folder: Path, source: str) -> None:
    """Read external tensors, after checking each location stays inside the model's folder."""
    external = [t for t in all_tensors(model) if external_data_helper.uses_external_data(t)]
    root = folder.resolve()
    for tensor in external:
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        escapes = (not location or PurePosixPath(location).is_absolute()
                   or bool(PureWindowsPath(location).anchor)
                   or not (root / location).resolve().is_relative_to(root))
        if escapes:
            raise UserInputError(f"{source}: external data location {location!r} of tensor "
                                 f"{tensor.name!r} is absolute or escapes the model's folder")
        if not (root / location).is_file():
            raise UserInputError(f"{source}: external data file {location!r} not found")
    try:
        for tensor in external:
            external_data_helper.load_external_data_for_tensor(tensor, str(root))
    except (OSError, ValueError, onnx.checker.ValidationError) as exc:
        raise UserInputError(f"{source}: cannot read external data ({exc})") from None


def load_onnx(path: str | Path) -> nn.Module:
    """Load an ONNX file as a differentiable module; bad or unsafe files raise UserInputError."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise UserInputError(f"{source}: no such file")
    try:
        model = onnx.load(source, load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends: the bytes are not a model
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserInputError(f"{source}: not a readable ONNX model ({reason})") from None
    if not model.ir_version or not model.graph.node:
        raise UserInputError(f"{source}: not a readable ONNX model (no IR version or no graph)")
    branch_of(model.graph, source)  # no probability branch: refused whatever its opset or data
    _load_external_data(model, path.parent, source)
    return onnx_to_module(model, source=source)


def _opset(model: onnx.ModelProto, where: str) -> int:
    versions = [o.version for o in model.opset_import if o.domain in DEFAULT_DOMAINS]
    if not versions:
        raise UserInputError(f"{where}: the model declares no ai.onnx opset")
    refusal = opset_words(where, versions[0])
    if refusal:
        raise UserInputError(refusal)
    return versions[0]


def _check_ops(graph: onnx.GraphProto, where: str) -> None:
    unknown = sorted({n.op_type if n.domain in DEFAULT_DOMAINS else f"{n.domain}.{n.op_type}"
                      for n in graph.node
                      if n.domain not in DEFAULT_DOMAINS or n.op_type not in SUPPORTED_OPS})
    if unknown:
        raise UserInputError(f"{where}: ONNX operator(s) {', '.join(unknown)} are not supported; "
                             f"supported: {', '.join(sorted(SUPPORTED_OPS))}")


def onnx_to_module(model: onnx.ModelProto, *, source: str = "") -> nn.Module:
    """Build an :class:`OnnxModule` from a parsed model (with any external data already loaded)."""
    where = source or "ONNX model"
    model, read_as = probability_model(model, where)  # skl2onnx's classifier: its branch
    opset = _opset(model, where)
    if model.functions:  # model-local functions: expand them into plain nodes
        model = onnx.inliner.inline_local_functions(model)
    graph = model.graph
    _check_ops(graph, where)
    try:
        onnx.checker.check_model(model)
    except (onnx.checker.ValidationError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UserInputError(f"{where}: not a valid ONNX model ({reason})") from None

    init_names = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in init_names]
    if len(inputs) != 1:
        raise UserInputError(f"{where}: the model must take exactly one input tensor, "
                             f"it takes {len(inputs)} ({', '.join(i.name for i in inputs)})")
    elem = inputs[0].type.tensor_type.elem_type
    if elem not in _FLOATS:
        raise UserInputError(f"{where}: the model input {inputs[0].name!r} must be a float "
                             f"tensor, not {TensorProto.DataType.Name(elem)}")
    if not graph.output:
        raise UserInputError(f"{where}: the model has no output")

    weights = {t.name: _to_torch(t, where) for t in graph.initializer}
    norm_copies = _batch_norm_copies(graph, set(weights))
    constants: dict[str, Tensor] = {}
    nodes: list[_Node] = []
    problems: list[str] = []
    pairs = dense_pairs(graph, weights)  # MatMul + Add read as one dense layer
    for i, node in enumerate(graph.node):
        if i in pairs.values():  # its Add, run by the MatMul's node
            continue
        if i in pairs:
            add = graph.node[pairs[i]]
            bias = next(n for n in add.input if n != node.output[0])
            nodes.append(_Node("MatMul", (*node.input, bias), tuple(add.output),
                               {"bias_rank": weights[bias].dim()}, _matmul_add))
            continue
        attrs = _attrs(node, where)
        if node.op_type == "Constant":
            constants[node.output[0]] = _constant(attrs, where)
            continue
        if node.output and node.output[0] in norm_copies:  # its own copy of the weight
            weights[node.output[0]] = weights[node.input[0]].clone()
            continue
        problem = _unsupported_use(node.op_type, attrs, len([o for o in node.output if o]))
        if problem:
            problems.append(problem)
        nodes.append(_Node(node.op_type, tuple(node.input), tuple(node.output), attrs,
                           _OPS[node.op_type]))
    if problems:
        raise UserInputError(f"{where}: unsupported use of ONNX operators: "
                             f"{', '.join(sorted(set(problems)))}")
    shape = infer_input_shape(model)
    module = OnnxModule(weights, constants, nodes, inputs[0].name, _FLOATS[elem],
                        graph.output[0].name, opset, shape, source)
    module.output_read = read_as or stamped_read(model)  # a purified copy keeps its source's
    if _channels_last_input(graph, inputs[0].name, shape):
        module.read_channels_first()
    return module.eval()  # inference semantics (batch norm's running statistics) by default


def _channels_last_input(graph: onnx.GraphProto, name: str,
                         shape: tuple[int, ...] | None) -> bool:
    """Whether the graph's input ``name`` (per sample ``shape``) is H x W x C images read by
    nothing but one ``Transpose`` of ``perm`` 0, 3, 1, 2 (to N x C x H x W), directly or
    through one ``Cast`` (elementwise: it commutes with the transpose; what torch writes for
    ``mitigate``'s purified copy of such a graph): then C x H x W images are certainly what it
    computes on. Stop 69: such a graph (what tf2onnx writes for a Keras CNN) took no image
    ``.npz`` at all, its images being channels-first."""
    outputs = {o.name for o in graph.output}
    if shape is None or len(shape) != 3 or name in outputs:
        return False
    readers = [node for node in graph.node if name in node.input]
    if len(readers) == 1 and readers[0].op_type == "Cast" and readers[0].domain in \
            DEFAULT_DOMAINS and readers[0].output[0] not in outputs:  # a Cast commutes with it
        name = readers[0].output[0]  # (torch writes one, exporting a read channels-first)
        readers = [node for node in graph.node if name in node.input]
    if len(readers) != 1 or readers[0].op_type != "Transpose" \
            or readers[0].domain not in DEFAULT_DOMAINS or list(readers[0].input) != [name]:
        return False
    perm = [list(a.ints) for a in readers[0].attribute if a.name == "perm"]
    return perm == [[0, 3, 1, 2]]


def _batch_norm_copies(graph: onnx.GraphProto, initializers: set[str]) -> set[str]:
    """Outputs of ``Identity`` nodes that copy an initializer and that only BatchNormalization
    nodes read as a weight: the exporter merges initializers of equal value this way, and a
    residual block's two BatchNorm biases before the sum are equal by construction (the same
    gradient from the same start). Each becomes an initializer of its own, so that every such
    BatchNorm is lifted to a layer (:meth:`OnnxModule._lift_layers`) — otherwise a ResNet's
    lift keeps plain tensors and has no clean twins (issue 9, stop 63). The same outputs in
    inference; a weight read by any other node stays shared."""
    readers: dict[str, set[str]] = {}
    for node in graph.node:
        for k, name in enumerate(node.input):
            readers.setdefault(name, set()).add(
                node.op_type if node.op_type == "BatchNormalization" and k > 0 else "other")
    outputs = {o.name for o in graph.output}
    return {node.output[0] for node in graph.node
            if node.op_type == "Identity" and len(node.input) == 1 and len(node.output) == 1
            and node.input[0] in initializers and node.output[0] not in outputs
            and readers.get(node.output[0]) == {"BatchNormalization"}}


def infer_input_shape(model_proto: onnx.ModelProto) -> tuple[int, ...] | None:
    """Per-sample input shape (e.g. C, H, W) from the graph input's static dims; None if dynamic."""
    graph = model_proto.graph
    init_names = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in init_names]
    if len(inputs) != 1 or not inputs[0].type.tensor_type.HasField("shape"):
        return None
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) < 2 or any(not d.HasField("dim_value") or d.dim_value <= 0 for d in dims[1:]):
        return None
    return tuple(int(d.dim_value) for d in dims[1:])
