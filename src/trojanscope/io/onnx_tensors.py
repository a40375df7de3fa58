"""Walk every tensor an ONNX model stores: shared by the loader and the scanner (no torch)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def all_tensors(model: Any) -> Iterator[Any]:
    """Initializers (dense and sparse) and node-attribute tensors of the main graph, its
    subgraphs and the model's functions — everywhere external data can be referenced."""
    import onnx

    stack: list[Any] = [model.graph, *model.functions]
    while stack:
        graph = stack.pop()
        if isinstance(graph, onnx.GraphProto):
            yield from graph.initializer
            for sparse in graph.sparse_initializer:
                yield from (sparse.values, sparse.indices)
        for node in graph.node:
            for a in node.attribute:
                if a.HasField("t"):
                    yield a.t
                yield from a.tensors
                if a.HasField("g"):
                    stack.append(a.g)
                stack.extend(a.graphs)
