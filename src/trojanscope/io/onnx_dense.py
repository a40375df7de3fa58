"""Which ONNX ``MatMul`` + ``Add`` pairs are a dense layer, read as one ``nn.Linear``.

skl2onnx (and other exporters, torch's for inputs of more than two dimensions) write a dense
layer as ``MatMul(x, W)`` then ``Add(·, b)`` instead of one ``Gemm``. Read node by node the
pair computes the same, but no ``nn.Linear`` holds its weights, so every method that needs the
model's final linear layer or its features (``detect-data --model``, activation recording)
finds none (stop 68, hrev's finding 8). A pair is joined only where that is certain: the
weight is a float initializer of two dimensions read by that ``MatMul`` alone, the bias a
float initializer of the output width (``N`` or skl2onnx's ``1 x N``) read by that ``Add``
alone, the
``MatMul``'s output read by nothing but the ``Add`` and no graph output, and the input is not
a constant. Anything else is left as the file wrote it.
"""

from __future__ import annotations

from collections import Counter

import onnx
from torch import Tensor

from trojanscope.io.onnx_header import DEFAULT_DOMAINS


def dense_pairs(graph: onnx.GraphProto, weights: dict[str, Tensor]) -> dict[int, int]:
    """Per ``MatMul`` node index that starts a certain dense layer, the index of its ``Add``."""
    reads = Counter(name for node in graph.node for name in node.input if name)
    readers: dict[str, list[int]] = {}
    for i, node in enumerate(graph.node):
        for name in node.input:
            readers.setdefault(name, []).append(i)
    outputs = {o.name for o in graph.output}
    pairs: dict[int, int] = {}
    for i, node in enumerate(graph.node):
        if not _plain(node, "MatMul") or len(node.input) != 2:
            continue
        x, w, out = node.input[0], node.input[1], node.output[0]
        weight = weights.get(w)
        if (x in weights or weight is None or not weight.is_floating_point()
                or weight.dim() != 2 or reads[w] != 1 or w in outputs
                or out in outputs or len(readers.get(out, [])) != 1):
            continue
        k = readers[out][0]
        add = graph.node[k]
        if not _plain(add, "Add") or len(add.input) != 2 or list(add.input).count(out) != 1:
            continue
        b = add.input[1] if add.input[0] == out else add.input[0]
        bias = weights.get(b)
        if (bias is not None and bias.dtype == weight.dtype
                and tuple(bias.shape) in {(weight.shape[1],), (1, weight.shape[1])}
                and reads[b] == 1 and b not in outputs):
            pairs[i] = k
    return pairs


def _plain(node: onnx.NodeProto, op: str) -> bool:
    """``node`` is the standard operator ``op`` with one output."""
    return (node.op_type == op and node.domain in DEFAULT_DOMAINS
            and len([o for o in node.output if o]) == 1)
