"""The probability branch of a scikit-learn classifier's ONNX graph (what skl2onnx writes).

skl2onnx ends a classifier's graph with ``ai.onnx.ml`` operators: the class label through
``ArrayFeatureExtractor`` and, by default, the probabilities as a list of maps through
``ZipMap`` (``options={"zipmap": False}``: a plain tensor). For a neural network
(``MLPClassifier``) the probabilities themselves are computed by standard operators
(``MatMul``, ``Add``, ``Relu``, ``Softmax``), so trojanscope can read the model by that branch
alone. :func:`probability_branch` is the one rule, read by the loader
(:mod:`trojanscope.io.onnx_import`, on the parsed graph) and by the early checks
(:mod:`trojanscope.io.onnx_header`, on the file's bytes), so both refuse the same graphs:

- the probabilities are the input of the one ``ZipMap`` that makes a graph output, or else the
  one graph output that is a float tensor (the label output is an integer or string tensor);
  anything else (two candidates, none) is not read;
- ``Identity`` nodes before them are looked through; where a ``Softmax`` makes them, its input
  is kept: the network's own logits (softmax of them gives the probabilities exactly);
  otherwise (a binary network's ``Sigmoid`` then ``Concat``) the probabilities are kept and the
  loader reads their logarithm;
- every node the kept tensor needs must be a standard operator: a tree, linear or scaler
  operator of ``ai.onnx.ml`` on the way (a forest, a ``LogisticRegression``, a pipeline's
  ``Scaler``) leaves the graph refused as before.

Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

ML_DOMAIN = "ai.onnx.ml"  # ONNX-ML: the classical operators (trees, imputers, ZipMap)
ZIPMAP = "ZipMap"
LOOKED_THROUGH = "Identity"
SOFTMAX_OPS = ("Softmax",)


@dataclass(frozen=True)
class GraphNode:
    """What the rule reads of one node."""

    domain: str
    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @property
    def classical(self) -> bool:
        """Whether the node is an ``ai.onnx.ml`` operator (never on a branch that is read)."""
        return self.domain == ML_DOMAIN


@dataclass(frozen=True)
class Branch:
    """The tensor the loader makes the model's output (``kept``), whether it is the input of
    the graph's ``Softmax`` (``logits``: True) or the probabilities themselves (False), and
    the indices of the nodes it needs, in graph order."""

    kept: str
    logits: bool
    nodes: tuple[int, ...]


def probability_branch(nodes: list[GraphNode], outputs: list[tuple[str, bool]]
                       ) -> Branch | None:
    """The :class:`Branch` of a graph whose ``outputs`` are ``(name, is a float tensor)``;
    None where the graph has no such branch free of ``ai.onnx.ml`` operators (the module
    docstring's rule)."""
    producer = {name: i for i, node in enumerate(nodes) for name in node.outputs if name}
    candidates = set()
    for name, float_tensor in outputs:
        made_by = producer.get(name)
        node = nodes[made_by] if made_by is not None else None
        if node is not None and node.classical and node.op_type == ZIPMAP and node.inputs:
            candidates.add(node.inputs[0])
        elif float_tensor:
            candidates.add(name)
    if len(candidates) != 1:
        return None
    kept = candidates.pop()
    seen: set[str] = set()
    while kept in producer and kept not in seen:  # Identity copies: looked through
        seen.add(kept)
        node = nodes[producer[kept]]
        if node.domain in ("", "ai.onnx") and node.op_type == LOOKED_THROUGH and node.inputs:
            kept = node.inputs[0]
        else:
            break
    made_by = producer.get(kept)
    logits = (made_by is not None and nodes[made_by].domain in ("", "ai.onnx")
              and nodes[made_by].op_type in SOFTMAX_OPS and bool(nodes[made_by].inputs))
    if logits:
        kept = nodes[made_by].inputs[0]  # type: ignore[index]
    needed = _needed(nodes, producer, kept)
    if any(nodes[i].classical for i in needed):
        return None
    return Branch(kept, logits, tuple(sorted(needed)))


def _needed(nodes: list[GraphNode], producer: dict[str, int], tensor: str) -> set[int]:
    """The nodes ``tensor`` is computed from (its producer and theirs, back to the graph's
    inputs and initializers)."""
    needed: set[int] = set()
    todo = [tensor]
    while todo:
        made_by = producer.get(todo.pop())
        if made_by is None or made_by in needed:
            continue
        needed.add(made_by)
        todo.extend(name for name in nodes[made_by].inputs if name)
    return needed


__all__ = ["ML_DOMAIN", "Branch", "GraphNode", "probability_branch"]
