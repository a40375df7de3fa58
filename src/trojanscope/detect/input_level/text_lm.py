"""A small bigram language model over token ids, fitted offline on clean sentences: the
perplexity that ONION-style word-outlier removal needs, without downloading GPT-2.

Interpolated absolute discounting (Kneser–Ney style) with a unigram back-off smoothed over the
whole vocabulary, so unseen tokens (a rare trigger word) get a small but finite probability.
"""

from __future__ import annotations

import torch
from torch import Tensor

BOS = -1  # a sentence start, outside the vocabulary


class BigramLM:
    """Token-id bigram LM; ``pad_id`` marks padding (ignored)."""

    def __init__(self, vocab_size: int, pad_id: int = 0, discount: float = 0.75,
                 alpha: float = 0.1) -> None:
        self.vocab_size, self.pad_id = int(vocab_size), int(pad_id)
        self.discount, self.alpha = float(discount), float(alpha)

    def fit(self, ids: Tensor) -> BigramLM:
        v = self.vocab_size + 1  # the last row is the sentence start
        uni = torch.zeros(v, dtype=torch.float64)
        pairs: dict[tuple[int, int], int] = {}
        for row in ids.tolist():
            prev = v - 1
            for tok in row:
                if tok == self.pad_id:
                    break
                uni[tok] += 1
                pairs[(prev, tok)] = pairs.get((prev, tok), 0) + 1
                prev = tok
        self.unigram_ = (uni[: self.vocab_size] + self.alpha) / (
            uni[: self.vocab_size].sum() + self.alpha * self.vocab_size)
        self.pairs_ = pairs
        ctx = torch.zeros(v, dtype=torch.float64)
        types = torch.zeros(v, dtype=torch.float64)
        for (a, _), c in pairs.items():
            ctx[a] += c
            types[a] += 1
        self.context_, self.types_ = ctx, types
        return self

    def logprob(self, prev: int, tok: int) -> float:
        """log P(tok | prev); ``prev`` is :data:`BOS` at the sentence start."""
        a = self.vocab_size if prev == BOS else prev
        base = float(self.unigram_[tok]) if 0 <= tok < self.vocab_size else 1e-9
        n = float(self.context_[a])
        if n == 0:
            return float(torch.log(torch.tensor(base)))
        c = self.pairs_.get((a, tok), 0)
        lam = self.discount * float(self.types_[a]) / n
        p = max(c - self.discount, 0.0) / n + lam * base
        return float(torch.log(torch.tensor(p)))

    def sentence_logprobs(self, tokens: list[int]) -> list[float]:
        """log P of each token given the one before."""
        out, prev = [], BOS
        for tok in tokens:
            out.append(self.logprob(prev, tok))
            prev = tok
        return out

    def mean_nll(self, tokens: list[int]) -> float:
        """Mean negative log-likelihood per token (log perplexity)."""
        if not tokens:
            return 0.0
        return -sum(self.sentence_logprobs(tokens)) / len(tokens)
