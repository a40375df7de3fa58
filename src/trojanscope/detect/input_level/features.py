"""What a feature-space input detector sees of a model: the input itself, the output of every
activation layer it can reach (pooled to a few numbers per channel) and the logits — all from
the one forward pass that classifies the input.

Hidden layers are reached through forward hooks on ``nn.Module`` leaves (run folders,
safetensors) and through the activation nodes of ONNX graphs. TorchScript modules accept no
hooks: they are exported to ONNX in memory and read through trojanscope's ONNX interpreter (same
outputs); where that export fails, only the input and the logits are used.
"""

from __future__ import annotations

import logging

import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.io.onnx_import import OnnxModule
from trojanscope.io.script_lift import lift_torchscript
from trojanscope.io.ts_proxy import is_torchscript
from trojanscope.io.ts_sandbox import ChildRefusal
from trojanscope.mitigate.base import recorded_outputs

log = logging.getLogger(__name__)

ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.GELU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.SiLU, nn.ReLU6,
               nn.Softplus, nn.Mish, nn.Hardswish, nn.PReLU)
INPUT_SIDE = 14  # the input is area-pooled to at most this many pixels per side
MAP_SIDE = 2  # hidden feature maps are area-pooled to MAP_SIDE × MAP_SIDE per channel


ONNX_ACTIVATIONS = frozenset({"Relu", "LeakyRelu", "Gelu", "Tanh", "Sigmoid", "Elu", "Selu",
                              "PRelu", "Softplus", "Mish", "HardSwish", "HardSigmoid"})


def feature_view(model: nn.Module, input_shape: tuple[int, ...]) -> nn.Module:
    """A module computing what ``model`` computes whose activations can be read: ``model``
    itself, or for TorchScript its in-memory ONNX export run by :class:`OnnxModule`."""
    if not is_torchscript(model):
        return model
    try:
        return lift_torchscript(model, input_shape)
    except ChildRefusal:  # the child crashed exporting it: refused, as detect/base.py says
        raise
    except UserInputError as exc:  # fall back to the input and the logits
        log.info("TorchScript model not usable through ONNX (%s); hidden layers unused", exc)
        return model


def hidden_layers(model: nn.Module) -> list[str]:
    """Names of the activation layers whose outputs can be recorded (none for TorchScript)."""
    if is_torchscript(model):
        return []
    if isinstance(model, OnnxModule):
        return [f"{op}:{i}" for i, op in enumerate(model.ops) if op in ONNX_ACTIVATIONS]
    return [name for name, m in model.named_modules() if isinstance(m, ACTIVATIONS) and name]


def pooled(t: Tensor, side: int) -> Tensor:
    """Flatten one layer's output, area-pooling spatial maps to at most ``side`` × ``side``."""
    if t.ndim == 4 and t.shape[-1] * t.shape[-2] > side * side:
        t = F.adaptive_avg_pool2d(t, (min(side, t.shape[-2]), min(side, t.shape[-1])))
    return t.flatten(1).double()


def layer_features(
    model: nn.Module, x: Tensor, layers: list[str], input_side: int = INPUT_SIDE,
    map_side: int = MAP_SIDE,
) -> tuple[list[Tensor], Tensor]:
    """(per-layer features: input, each hooked layer, logits; the logits) in one forward pass."""
    if isinstance(model, OnnxModule):
        logits, kept = model.run(x, ONNX_ACTIVATIONS if layers else frozenset())
        return assemble(x, kept, logits, input_side, map_side), logits
    with recorded_outputs(model, layers) as record:
        logits = model(x)
    hidden = [record[n] for n in layers if isinstance(record.get(n), Tensor)]
    return assemble(x, hidden, logits, input_side, map_side), logits


def assemble(x: Tensor, hidden: list[Tensor], logits: Tensor, input_side: int = INPUT_SIDE,
             map_side: int = MAP_SIDE) -> list[Tensor]:
    """The per-layer features of one pass: the pooled input, each pooled hidden output, the
    logits (what :func:`layer_features` gives, from outputs computed elsewhere)."""
    return [pooled(x, input_side), *(pooled(h, map_side) for h in hidden), logits.double()]
