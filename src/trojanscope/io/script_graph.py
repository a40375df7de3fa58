"""Reading a TorchScript graph's layer kinds without running it (standard library only, so the
sandboxed child can use it too): whether a model is dense, as ``auto``'s dense readings need."""

from __future__ import annotations

import re
from collections.abc import Iterable

# a convolution module's (original) class name: Conv2d, ConvTranspose2d, quantized ConvReLU2d, ...
CONV_MODULE = re.compile(r"Conv\w*[123]d")
# TorchScript ops of a dense layer
SCRIPT_DENSE_OPS = frozenset({"aten::linear", "aten::addmm", "aten::matmul", "aten::mm",
                              "quantized::linear"})


def dense_ops(kinds: Iterable[str]) -> bool:
    """Whether a graph's op kinds, in graph order, hold no convolution before the first dense
    op and start their weighted ops with a dense one (``aten::_convolution``, ``conv2d``,
    ``quantized::conv2d`` ... count as convolutions)."""
    for kind in kinds:
        if "conv" in kind.lower():
            return False
        if kind in SCRIPT_DENSE_OPS:
            return True
    return False


def dense_script(module_names: Iterable[str], kinds: Iterable[str]) -> bool:
    """A TorchScript module is dense when none of its submodules is a convolution (by class
    name) and its inlined graph's first weighted op is a dense one."""
    return not any(CONV_MODULE.fullmatch(n) for n in module_names) and dense_ops(kinds)
