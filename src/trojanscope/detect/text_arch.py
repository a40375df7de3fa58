"""Name a word model's architecture from the model itself (issue 15, stop 35), so that a
feature whose scale is the architecture's (the span lift of :mod:`trojanscope.detect.text_phrase`)
can be read against clean models of the same architecture.

Only the module tree and one behaviour are read, never a manifest's name or training code:

- ``kim-cnn``: the layers with weights are embeddings, 1-D convolutions and linear layers, at
  least one of each of the first two (Kim, 2014: convolutions over word embeddings);
- ``mean-pooled``: the layers with weights are embeddings and linear layers only, and the
  logits do not change when every sentence's positions are reversed (a mean over positions has
  no order; a model that flattens or adds positions does);
- ``unknown``: anything else (recurrent, attention, normalisation, 2-D convolutions, a
  transformer) — no reference applies.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

KIM_CNN, MEAN_POOLED, UNKNOWN = "kim-cnn", "mean-pooled", "unknown"
EMBEDDINGS = frozenset({"Embedding", "EmbeddingBag"})
ORDER_TOLERANCE = 1e-4  # logits equal under reversal to this (relative to their size)


def layer_kinds(model: nn.Module) -> set[str]:
    """Class names of the modules that hold weights of their own (a TorchScript module is
    named by the class it was scripted from; one run in the sandboxed child lists them)."""
    weighted = getattr(model, "weighted_layers", None)
    if weighted is not None:
        return set(weighted)
    return {
        getattr(m, "original_name", type(m).__name__)
        for m in model.modules()
        if next(m.parameters(recurse=False), None) is not None
    }


def order_free(model: nn.Module, ids: Tensor) -> bool:
    """Whether ``model``'s logits on ``ids`` are unchanged with every row's positions
    reversed."""
    with torch.no_grad():
        a, b = model(ids), model(ids.flip(1))
    return bool((a - b).abs().max() <= ORDER_TOLERANCE * (1.0 + a.abs().max()))


def text_architecture(model: nn.Module, ids: Tensor) -> str:
    """``kim-cnn``, ``mean-pooled`` or ``unknown`` for a word model taking token ids (``ids``:
    a few of its input rows, read for the order check only)."""
    kinds = layer_kinds(model)
    if not kinds & EMBEDDINGS:
        return UNKNOWN
    if "Conv1d" in kinds and kinds <= EMBEDDINGS | {"Conv1d", "Linear"}:
        return KIM_CNN
    if kinds <= EMBEDDINGS | {"Linear"} and len(ids) and order_free(model, ids):
        return MEAN_POOLED
    return UNKNOWN
