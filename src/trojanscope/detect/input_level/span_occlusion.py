"""Span occlusion for text models (issue 15, stop 56): remove each window of a few tokens from an
input in turn and read how much of its predicted class the model keeps without it.

A trigger is a span the prediction hangs on: an inserted sentence (``addsent``, trained with
fragments that do not trigger, so removing any of its words undoes it) or a rare word
(``badnl``). Without it the model returns to the sentence's own class, so a triggered input
has a span whose removal drops its class sharply; a clean sentence's class is carried by
several words and rarely hangs on one span. Measured on the model itself (ONION removes words
by a language model's perplexity; here the model's own prediction is read). Special tokens
([CLS], [SEP], padding) are never removed. Cost: one forward pass per window (about the input's
length over the stride), at most ``max_spans`` per input (the windows beyond it are not read).
"""

from __future__ import annotations

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


def spans_of(row: list[int], width: int, stride: int, protected: set[int],
             max_spans: int) -> list[tuple[int, int]]:
    """(start, length) of the windows of ``width`` tokens, one every ``stride`` tokens, over each
    run of ``row`` that holds no protected token (a window is cut at its run's end, and a run's
    last tokens get a window of their own), at most ``max_spans`` of them. With ``stride`` ≤
    ``width`` every free token is in some window, so a trigger that any one removed word undoes
    is always reached."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(row):
        if row[i] in protected:
            i += 1
            continue
        end = i
        while end < len(row) and row[end] not in protected:
            end += 1
        s = i
        while s < end:
            out.append((s, min(width, end - s)))
            if len(out) >= max_spans:
                return out
            if s + width >= end:
                break
            s += stride
        i = end
    return out


def span_passes(max_spans: int, tokens: int | None) -> int:
    """Windows read per input at most, as a detector states its cost: ``max_spans``, and no
    more than the longest input read has tokens (:func:`spans_of` starts at most one window a
    token); ``tokens`` None before any input was read."""
    return max_spans if tokens is None else min(max_spans, tokens)


def window_probs(model: nn.Module, x: Tensor, width: int, stride: int, max_spans: int,
                 pad_id: int, protected: set[int]) -> tuple[Tensor, Tensor]:
    """(the model's class probabilities on each input of ``x`` with one window removed, the
    index of that input), one row per window read; an input with no window has no row."""
    rows, owner = [], []
    for i, row in enumerate(x):
        mine = tokens(row, pad_id)
        for s, k in spans_of(mine, width, stride, protected, max_spans):
            rows.append(mine[:s] + mine[s + k:])
            owner.append(i)
    if not rows:
        return torch.zeros(0, 0), torch.zeros(0, dtype=torch.long)
    probs = [model(pad_rows(rows[j:j + BATCH], x.shape[1], pad_id)).softmax(1).float()
             for j in range(0, len(rows), BATCH)]
    return torch.cat(probs), torch.tensor(owner)


def span_keeps(model: nn.Module, x: Tensor, pred: Tensor, width: int, stride: int,
               max_spans: int, pad_id: int, protected: set[int]) -> tuple[Tensor, Tensor]:
    """(probability of ``pred`` the model keeps on each input of ``x`` with one window removed,
    the index of that input), one row per window read; an input with no window has no row."""
    probs, owner = window_probs(model, x, width, stride, max_spans, pad_id, protected)
    if not len(owner):
        return torch.zeros(0), owner
    return probs[torch.arange(len(owner)), pred[owner]], owner


def least_keeps(model: nn.Module, x: Tensor, pred: Tensor, width: int, stride: int,
                max_spans: int, pad_id: int, protected: set[int]) -> Tensor:
    """Per input the least probability of ``pred`` the model keeps with one window removed
    (1.0 for an input with no window: nothing to remove)."""
    keep, owner = span_keeps(model, x, pred, width, stride, max_spans, pad_id, protected)
    return torch.ones(len(x)).scatter_reduce_(0, owner, keep, "amin", include_self=True)


def worst_window(model: nn.Module, x: Tensor, pred: Tensor, width: int, stride: int,
                 max_spans: int, pad_id: int, protected: set[int]) -> tuple[Tensor, Tensor]:
    """Per input (the least probability of ``pred`` it keeps with one window removed, whether
    the model predicts another class than ``pred`` without that window — its worst one; with
    tied worst windows, without any of them): a triggered input loses its target when the
    trigger's window goes (issue 15, stop 59). (1.0, False) for an input with no window."""
    probs, owner = window_probs(model, x, width, stride, max_spans, pad_id, protected)
    least, lost = torch.ones(len(x)), torch.zeros(len(x), dtype=torch.bool)
    if not len(owner):
        return least, lost
    keep = probs[torch.arange(len(owner)), pred[owner]]
    least.scatter_reduce_(0, owner, keep, "amin", include_self=True)
    moved = (keep == least[owner]) & (probs.argmax(1) != pred[owner])
    lost[owner[moved]] = True
    return least, lost


def span_drops(model: nn.Module, x: Tensor, width: int, stride: int, max_spans: int,
               pad_id: int, protected: set[int], share: bool = False) -> Tensor:
    """Per input: its own probability of its predicted class minus the least it keeps with one
    window removed (:func:`least_keeps`); over the own probability with ``share``."""
    own, pred = model(x).softmax(1).max(1)
    out = own.float() - least_keeps(model, x, pred, width, stride, max_spans, pad_id, protected)
    return out / own.float().clamp_min(1e-12) if share else out
