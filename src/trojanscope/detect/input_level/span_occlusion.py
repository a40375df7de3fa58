"""Span occlusion for text models (issue 15, stop 56): remove each span of a few token lengths
from an input and read how much of its predicted class the model keeps without it.

A trigger is a span the prediction hangs on: an inserted sentence (``addsent``, trained with
fragments that do not trigger, so removing any of its words undoes it) or a rare word
(``badnl``). Without it the model returns to the sentence's own class, so a triggered input
has a span whose removal drops its class sharply; a clean sentence's class is carried by
several words and rarely hangs on one span. Measured on the model itself (ONION removes words
by a language model's perplexity; here the model's own prediction is read). Special tokens
([CLS], [SEP], padding) are never removed. Cost: one forward pass per span, at most
``max_spans`` per input (the spans beyond it are not read).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from trojanscope.detect.input_level.base import BATCH
from trojanscope.detect.input_level.text_base import pad_rows, tokens


def protected_ids(model: nn.Module) -> set[int]:
    """Token ids a span may not hold: the model's special ids ([CLS], [SEP], [PAD], ...) where
    it names them, and its padding id."""
    ids = {int(getattr(model, "pad_id", 0))}
    special = getattr(model, "special_ids", None)
    if callable(special):
        ids.update(int(i) for i in special())
    return ids


def spans_of(row: list[int], lengths: Sequence[int], protected: set[int],
             max_spans: int) -> list[tuple[int, int]]:
    """(start, length) of each span of ``row`` of each length in ``lengths`` that holds no
    protected token, shortest lengths first, at most ``max_spans`` of them."""
    out: list[tuple[int, int]] = []
    free = [t not in protected for t in row]
    for k in lengths:
        for s in range(len(row) - k + 1):
            if all(free[s:s + k]):
                out.append((s, k))
                if len(out) >= max_spans:
                    return out
    return out


def span_keeps(model: nn.Module, x: Tensor, pred: Tensor, lengths: Sequence[int],
               max_spans: int, pad_id: int, protected: set[int]) -> tuple[Tensor, Tensor, Tensor]:
    """(probability of ``pred`` the model keeps on each input of ``x`` with one span removed,
    the index of that input, the length of that span), one row per span read; inputs with no
    span to remove have no row."""
    rows, owner, size = [], [], []
    for i, row in enumerate(x):
        mine = tokens(row, pad_id)
        for s, k in spans_of(mine, lengths, protected, max_spans):
            rows.append(mine[:s] + mine[s + k:])
            owner.append(i)
            size.append(k)
    if not rows:
        empty = torch.zeros(0, dtype=torch.long)
        return torch.zeros(0), empty, empty
    owner_t = torch.tensor(owner)
    probs = []
    for j in range(0, len(rows), BATCH):
        cut = pad_rows(rows[j:j + BATCH], x.shape[1], pad_id)
        p = model(cut).softmax(1)
        probs.append(p[torch.arange(len(cut)), pred[owner_t[j:j + BATCH]]].float())
    return torch.cat(probs), owner_t, torch.tensor(size)


def least_keeps(model: nn.Module, x: Tensor, pred: Tensor, lengths: Sequence[int],
                max_spans: int, pad_id: int, protected: set[int]) -> Tensor:
    """``(N, len(lengths))``: per input and span length the least probability of ``pred`` the
    model keeps with one span of that length removed (1.0 where no span of it could be)."""
    keep, owner, size = span_keeps(model, x, pred, lengths, max_spans, pad_id, protected)
    out = torch.ones(len(x), len(lengths))
    for c, k in enumerate(lengths):
        mine = size == k
        out[:, c].scatter_reduce_(0, owner[mine], keep[mine], "amin", include_self=True)
    return out
