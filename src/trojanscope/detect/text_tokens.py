"""How strongly each token leans to each class in clean sentences (for text trigger search).

A clean sentiment model is flipped by natural sentiment words, and so is a backdoored one: a
trigger search over the whole vocabulary finds both. What sets a backdoor apart is a token that
flips the model although it carries *no* label in clean data (``cf``, the words of an inserted
sentence, an opening clause). This module measures that label association from the clean
sentences given to the detector: per token, the share of its sentences in each class, with
classes weighted to equal size and one pseudo-sentence per class.
"""

from __future__ import annotations

import torch
from torch import Tensor


def class_doc_counts(ids: Tensor, labels: Tensor, num_classes: int, vocab_size: int) -> Tensor:
    """``(num_classes, vocab_size)``: in how many sentences of each class each token occurs."""
    rows = torch.arange(len(ids)).unsqueeze(1).expand_as(ids).reshape(-1)
    pairs = torch.unique(rows * vocab_size + ids.clamp(0, vocab_size - 1).reshape(-1))
    row, tok = pairs // vocab_size, pairs % vocab_size  # each token once per sentence
    flat = labels.long()[row] * vocab_size + tok
    counts = torch.bincount(flat, minlength=num_classes * vocab_size).float()
    counts = counts.reshape(num_classes, vocab_size)
    return counts


def class_lean(counts: Tensor, sizes: Tensor) -> Tensor:
    """``(num_classes, vocab_size)``: the share of each token's sentences in each class, the
    classes (``sizes`` sentences each) weighted to equal size, smoothed by one pseudo-sentence
    per class (an unseen token: 1/K)."""
    sizes = sizes.float().clamp_min(1.0).unsqueeze(1)
    weight = sizes.mean() / sizes  # equal-size classes
    scaled = counts * weight + 1.0
    return scaled / scaled.sum(0, keepdim=True)


def leaning_to(lean: Tensor, cls: int, margin: float) -> Tensor:
    """Tokens whose share in class ``cls`` (a row of :func:`class_lean`) exceeds the uniform
    share by more than ``margin``: the language itself ties them to that class."""
    return lean[cls] > 1.0 / len(lean) + margin


def neutral_for(counts: Tensor, sizes: Tensor, cls: int, min_share: float,
                margin: float) -> Tensor:
    """Tokens held by at least ``min_share`` of the clean sentences (three at least) that do not
    lean to ``cls`` by more than ``margin`` over the uniform share: a model pushed to ``cls``
    by them was not taught so by the language."""
    enough = max(3.0, min_share * float(sizes.sum()))
    return (counts.sum(0) >= enough) & ~leaning_to(class_lean(counts, sizes), cls, margin)
