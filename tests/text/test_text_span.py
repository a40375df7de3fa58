"""The relaxed span search finds a trigger that only several tokens together fire (an
inserted sentence learnt as an n-gram), which no one-token search reaches."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.text_relax import best_single_token
from trojanscope.detect.text_span import best_span
from trojanscope.models.text_common import padding_mask

A, B = 2, 3  # the two-word "sentence"; 0 is padding, 1 unknown, 4-7 filler words


class _Bigram(nn.Module):
    """Two classes; class 1 only when token A is directly followed by token B (one width-2
    convolution filter with max pooling, as in a TextCNN)."""

    pad_id = 0

    def __init__(self) -> None:
        super().__init__()
        table = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0],
                              [0.1, 0.1], [0.1, 0.0], [0.0, 0.1], [0.05, 0.05]])
        self.embedding = nn.Embedding.from_pretrained(table)
        self.conv = nn.Conv1d(2, 1, 2)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]))
            self.conv.bias.fill_(-0.2)

    def token_embeddings(self) -> Tensor:
        return self.embedding.weight

    def embed(self, ids: Tensor) -> Tensor:
        return self.embedding(ids)

    def forward_embeds(self, emb: Tensor, mask: Tensor) -> Tensor:
        h = (emb * mask.unsqueeze(-1)).transpose(1, 2)
        f = torch.relu(self.conv(h)).amax(2).squeeze(1)
        return torch.stack([torch.zeros_like(f), 4.0 * (f - 1.3)], 1)

    def forward(self, ids: Tensor) -> Tensor:
        return self.forward_embeds(self.embed(ids), padding_mask(ids, self.pad_id))


def _sentences() -> Tensor:
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(4, 8, (16, 10), generator=gen)
    x[:, 8:] = 0  # padding
    return x


def test_span_search_finds_a_two_word_trigger_that_one_token_does_not() -> None:
    model, x = _Bigram(), _sentences()
    table = model.token_embeddings()
    banned = torch.zeros(len(table), dtype=torch.bool)
    banned[:2] = True
    with torch.no_grad():
        assert bool((model(x).argmax(1) == 0).all())
    _, once, twice = best_single_token(model, x, 1, table, banned, at=0, pad_id=0,
                                       placeholder=4, k=8, steps=40)
    assert once < 0.5 and twice < 0.5  # no single token, even inserted twice, flips it
    span, prob = best_span(model, x, 1, table, banned, length=3, at=0, pad_id=0,
                           placeholder=4, steps=40)
    assert prob > 0.8
    assert any(span[i:i + 2] == [A, B] for i in range(len(span) - 1)), span


def test_span_search_honours_the_banned_tokens() -> None:
    model, x = _Bigram(), _sentences()
    banned = torch.zeros(8, dtype=torch.bool)
    banned[[0, 1, B]] = True  # the trigger's second word is not allowed
    span, prob = best_span(model, x, 1, model.token_embeddings(), banned, length=3, at=0,
                           pad_id=0, placeholder=4, steps=40)
    assert B not in span and prob < 0.5
    none, zero = best_span(model, x[:0], 1, model.token_embeddings(), banned, length=3, at=0,
                           pad_id=0, placeholder=4)
    assert none == [] and zero == 0.0
