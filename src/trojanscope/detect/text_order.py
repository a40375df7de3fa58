"""Word order in a Kim CNN (issue 15, stop 36): how much more a span of words pushes a class in
order than reversed.

Why: an inserted sentence in a vocabulary fitted on clean text is made of ordinary words, none
strong alone, and a clean model has spans of rare words that push its classes as far
(docs/benchmarks.md, stops 33-36). What the backdoor was taught is the sentence's *n-grams*,
in order; a clean Kim CNN learns mostly unigram sentiment, so its strongest spans move little
when reversed. ``tp_order`` is the largest such asymmetry a small search finds, per class, over
tokens the clean data does not tie to the class.

The search reads the model's own layers (``embedding``, ``convs``, ``classifier``: trojanscope's
``textcnn`` layout, which a handed-over Kim CNN is loaded into) and checks first that they
reproduce the model's logits; otherwise there is no feature. Candidates are ranked by an
approximation (each sentence's max-pooled filter responses against the span's responses alone),
the chosen span is measured exactly (inserted in order and reversed).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.detect.text_relax import insert_ids
from trojanscope.detect.text_tokens import class_doc_counts, class_lean, leaning_to

ORDER_SEED = 0  # the feature's own sentence sample (independent of the detector's stream)
PER_CLASS = 48  # other-class sentences per class
POOL = 400  # tokens the span grows over
PAIRS = 120  # the first of them whose ordered pairs seed the span
LENGTH = 4  # span length
MARGIN = 0.1  # a token leaning to the class by more than this over the uniform share is out
MAX_LEN = 40  # sentence positions kept
CHUNK = 1024  # spans per batch of the approximation (memory)
TOLERANCE = 1e-4  # the layers must give the model's logits to this (relative)


def kim_layers(model: nn.Module, ids: Tensor) -> bool:
    """Whether ``model`` has trojanscope's TextCNN layers and they give its logits on ``ids``
    (ReLU, max over positions, one linear layer)."""
    emb, convs, head = (getattr(model, n, None) for n in ("embedding", "convs", "classifier"))
    if not (
        isinstance(emb, nn.Embedding)
        and isinstance(convs, nn.ModuleList)
        and all(isinstance(c, nn.Conv1d) for c in convs)
        and isinstance(head, nn.Linear)
        and head.in_features == sum(c.out_channels for c in convs)
    ):
        return False
    with torch.no_grad():
        try:
            want = model(ids)
        except RuntimeError:  # e.g. rows shorter than an unpadded convolution's width
            return False
        got = head(pooled(model, ids))
    return bool((want - got).abs().max() <= TOLERANCE * (1.0 + want.abs().max()))


def pooled(model: nn.Module, ids: Tensor) -> Tensor:
    """The max-pooled filter responses (rows x filters), padding masked as the model does.
    Rows shorter than the widest convolution's window (a short span, convolutions without
    padding) are padded with ``pad_id`` to it."""
    pad = int(getattr(model, "pad_id", 0))
    short = max(min_length(c) for c in model.convs) - ids.shape[1]
    if short > 0:
        ids = F.pad(ids, (0, short), value=pad)
    with torch.no_grad():
        emb = model.embedding(ids) * (ids != pad).float().unsqueeze(-1)
        h = emb.transpose(1, 2)
        return torch.cat([F.relu(c(h)).amax(2) for c in model.convs], 1)


def min_length(conv: nn.Conv1d) -> int:
    """The fewest positions ``conv`` takes (its window less its padding)."""
    if conv.padding == "same":
        return 1
    window = conv.dilation[0] * (conv.kernel_size[0] - 1) + 1
    return window - 2 * (0 if isinstance(conv.padding, str) else conv.padding[0])


def push(model: nn.Module, t: int) -> Tensor:
    """Per filter, class ``t``'s classifier weight less the largest other class's."""
    w = model.classifier.weight.detach()
    others = torch.cat([w[:t], w[t + 1 :]])
    return w[t] - others.max(0).values


def relevance(model: nn.Module, v: Tensor) -> Tensor:
    """Per token, the largest positive push any filter slot gives it."""
    table = model.embedding.weight.detach()
    best = torch.full((len(table),), -float("inf"))
    off = 0
    for conv in model.convs:
        w = conv.weight.detach()  # filters x dim x width
        slots = torch.einsum("fdk,vd->fkv", w, table)
        gain = v[off : off + len(w)].clamp_min(0)[:, None, None] * slots
        best = torch.maximum(best, gain.amax((0, 1)))
        off += len(w)
    return best


def approx_asymmetry(
    model: nn.Module, sentences: Tensor, v: Tensor, spans: list[list[int]]
) -> Tensor:
    """Per span: mean over ``sentences`` of the filter-push sum with the span's responses
    (alone) max-pooled in, in order less reversed."""

    def score(rows: list[list[int]]) -> Tensor:
        a = pooled(model, torch.tensor(rows))
        return torch.cat(
            [(torch.maximum(sentences[None], part[:, None]) @ v).mean(1) for part in a.split(CHUNK)]
        )

    return score(spans) - score([s[::-1] for s in spans])


def exact_margin(
    model: nn.Module, x: Tensor, t: int, spans: list[list[int]], pad_id: int
) -> list[float]:
    """Per span: the mean logit margin of class ``t`` over ``x`` with the span inserted first."""
    with torch.no_grad():
        logits = model(torch.cat([insert_ids(x, s, 0, pad_id) for s in spans]))
    others = torch.cat([logits[:, :t], logits[:, t + 1 :]], 1)
    return (logits[:, t] - others.max(1).values).view(len(spans), -1).mean(1).tolist()


def class_asymmetry(
    model: nn.Module, x: Tensor, t: int, allowed: Tensor
) -> tuple[float, list[int]] | None:
    """(exact margin in order less reversed, the span) of the span the search finds for class
    ``t`` over sentences ``x`` (not predicted ``t``) and tokens ``allowed`` (a mask); ``None``
    with fewer than two tokens allowed (no span to measure)."""
    pad_id = int(getattr(model, "pad_id", 0))
    v = push(model, t)
    rel = relevance(model, v)
    rel[~allowed] = -float("inf")
    n = int(allowed.sum())
    pool = rel.topk(min(POOL, n)).indices.tolist()
    if len(pool) < 2:
        return None
    feats = pooled(model, x)
    seeds = pool[:PAIRS]
    pairs = [[a, b] for a in seeds for b in seeds if a != b]
    span = pairs[int(approx_asymmetry(model, feats, v, pairs).argmax())]
    while len(span) < LENGTH:
        tries = [[*span, w] for w in pool] + [[w, *span] for w in pool]
        span = tries[int(approx_asymmetry(model, feats, v, tries).argmax())]
    forward, backward = exact_margin(model, x, t, [span, span[::-1]], pad_id)
    return forward - backward, span


def order_inputs(
    model: nn.Module, ids: Tensor, labels: Tensor, num_classes: int, min_docs: int = 0
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(ids, labels, lean, banned)`` for :func:`order_asymmetry`, as ``text-inversion -p
    order=1`` reads them (the benchmark scripts use it too): the clean sentences, their class
    lean over the model's vocabulary and its special tokens, with ``min_docs`` (``-p
    order_min_docs``, opt-in) also the tokens held by fewer clean sentences than that.

    Why ``min_docs``: in a clean Kim CNN the search's most asymmetric spans are made of words the
    clean split hardly holds, while an inserted sentence is made of ordinary words
    (docs/benchmarks.md, issue 15, stop 37)."""
    vocab = (len(model.token_embeddings()) if hasattr(model, "token_embeddings")
             else model.embedding.num_embeddings)
    counts = class_doc_counts(ids, labels, num_classes, vocab)
    lean = class_lean(counts, torch.bincount(labels, minlength=num_classes))
    pad_id = int(getattr(model, "pad_id", 0))
    banned = torch.zeros(vocab, dtype=torch.bool)
    banned[getattr(model, "special_ids", lambda: [pad_id])()] = True
    if min_docs:
        banned |= counts.sum(0) < min_docs
    return ids, labels, lean, banned


def order_asymmetry(
    model: nn.Module, ids: Tensor, labels: Tensor, lean: Tensor, banned: Tensor
) -> dict[str, float]:
    """``{"tp_order": ...}`` (largest over the classes) for a Kim CNN whose layers reproduce
    its logits, else ``{}``. ``ids``/``labels``: the clean sentences; ``lean``: their class
    lean (:func:`trojanscope.detect.text_tokens.class_lean`); ``banned``: special tokens.
    A class with fewer than two tokens to search is skipped (no measurement, not a clean
    one); rows of at most ``LENGTH`` tokens give ``{}`` (a span inserted fills the row)."""
    pad_id = int(getattr(model, "pad_id", 0))
    ids = ids[:, :MAX_LEN]
    if ids.shape[1] <= LENGTH:
        return {}
    gen = torch.Generator().manual_seed(ORDER_SEED)
    probe = ids[torch.randperm(len(ids), generator=gen)[:PER_CLASS]]
    if not len(ids) or not kim_layers(model, probe):
        return {}
    with torch.no_grad():
        pred = model(ids).argmax(1)
    best = None
    for t in range(len(lean)):
        others = ids[pred != t]
        if not len(others):
            continue
        x = others[torch.randperm(len(others), generator=gen)[:PER_CLASS]]
        allowed = ~(banned | leaning_to(lean, t, MARGIN))
        allowed[pad_id] = False
        found = class_asymmetry(model, x, t, allowed)
        if found is None:
            continue
        best = found[0] if best is None else max(best, found[0])
    return {} if best is None else {"tp_order": float(best)}
