"""Reading a TorchScript graph's layer kinds without running it (standard library only, so the
sandboxed child can use it too): whether a model is dense, as ``auto``'s dense readings need;
and (stop 70, :func:`archive_has_conv2d`) whether an archive's code defines torch's ``Conv2d``,
read from the zip before anything is imported."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# a convolution module's (original) class name: Conv2d, ConvTranspose2d, quantized ConvReLU2d, ...
CONV_MODULE = re.compile(r"Conv\w*[123]d")
# TorchScript ops of a dense layer
SCRIPT_DENSE_OPS = frozenset({"aten::linear", "aten::addmm", "aten::matmul", "aten::mm",
                              "quantized::linear"})


# weighted ops that are neither dense nor convolutions: first, they make a model something
# other than an MLP (an embedding model, a recurrent reader of image rows, ...)
OTHER_WEIGHTED_OPS = frozenset({"aten::embedding", "aten::embedding_bag", "aten::lstm",
                                "aten::gru", "aten::rnn_tanh", "aten::rnn_relu", "aten::bilinear",
                                "aten::einsum", "aten::bmm", "aten::baddbmm"})


def graph_kinds(block: Any) -> Iterator[str]:
    """Every op kind of a TorchScript graph or block in graph order, the ops inside its
    ``if``/``loop`` sub-blocks included (duck-typed: no torch import)."""
    for node in block.nodes():
        yield node.kind()
        for sub in node.blocks():
            yield from graph_kinds(sub)


def dense_ops(kinds: Iterable[str]) -> bool:
    """Whether a graph's op kinds (in graph order, sub-blocks included) are an MLP's: no
    convolution anywhere (``aten::_convolution``, ``conv2d``, ``quantized::conv2d`` ...), and
    the first weighted op a dense one, not an embedding, recurrent or batched product."""
    kinds = list(kinds)
    if any("conv" in kind.lower() for kind in kinds):
        return False
    for kind in kinds:
        if kind in OTHER_WEIGHTED_OPS:
            return False
        if kind in SCRIPT_DENSE_OPS:
            return True
    return False


def dense_script(module_names: Iterable[str], graph: Any) -> bool:
    """A TorchScript module is dense when none of its submodules is a convolution (by class
    name) and its inlined graph reads as an MLP's (:func:`dense_ops`)."""
    return not any(CONV_MODULE.fullmatch(n) for n in module_names) and dense_ops(
        graph_kinds(graph))


CONV2D_CLASS = re.compile(r"^class Conv2d\(", re.MULTILINE)
MAX_CODE_BYTES = 1 << 20  # a module's code file read; a larger one is not torch's Conv2d


def archive_has_conv2d(path: str | Path) -> bool:
    """Whether the TorchScript archive at ``path`` holds torch's ``Conv2d`` module: its code
    (``<archive>/code/__torch__/torch/nn/modules/conv*.py``, written for every scripted or
    traced ``nn.Conv2d``) defines ``class Conv2d``. Read from the zip alone (nothing loaded
    or run); False where it cannot be read."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if ("/code/__torch__/torch/nn/modules/conv" not in name or not name.endswith(".py")
                        or info.file_size > MAX_CODE_BYTES):
                    continue
                if CONV2D_CLASS.search(zf.read(info).decode("utf-8", "replace")):
                    return True
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return False
    return False
