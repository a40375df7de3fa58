"""A one-token trigger search by continuous relaxation (in the manner of DBS, Shen et al. 2022):
the trigger slot holds a softmax over the vocabulary, its embedding the softmax-weighted mean of
the embedding table; the logits are optimised against the target class on clean sentences of
the other classes while the temperature falls, and the best-ranked tokens are then tried
exactly.

Why beside the greedy search of :mod:`trojanscope.detect.text_inversion`: that search ranks
tokens by the gradient at the slot's current token (first order, HotFlip) and builds up to three
tokens; here one token is chosen over the whole vocabulary at once, also among the tokens that
carry no label in the clean data (a rare-word trigger is absent from clean sentences, a clean
model's strongest words lean to their class). The winner is also tried inserted twice, as
BadNL inserts up to two words.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.models.text_common import padding_mask


def insert_ids(ids: Tensor, trigger: list[int], at: int | Tensor, pad_id: int) -> Tensor:
    """``trigger`` inserted at position ``at`` of every row, or at ``at[i]`` of row ``i`` when
    ``at`` is a tensor (rows keep their length: the tail is cut)."""
    n, length = ids.shape
    if not isinstance(at, Tensor):
        trig = torch.tensor(trigger, dtype=torch.long).expand(n, len(trigger))
        return torch.cat([ids[:, :at], trig, ids[:, at:]], dim=1)[:, :length]
    cols = torch.arange(length).expand(n, length)
    start = at.long().unsqueeze(1)
    shifted = ids.gather(1, torch.where(cols < start, cols, (cols - len(trigger)).clamp_min(0)))
    offset = cols - start
    inside = (offset >= 0) & (offset < len(trigger))
    trig = torch.tensor(trigger, dtype=torch.long)
    return torch.where(inside, trig[offset.clamp(0, len(trigger) - 1)], shifted)


def relaxed_slots(model: nn.Module, x: Tensor, t: int, table: Tensor, banned: Tensor, *,
                  length: int, at: int, pad_id: int, placeholder: int, steps: int = 80,
                  lr: float = 0.1, tau: tuple[float, float] = (1.0, 0.05)) -> Tensor:
    """``(length, vocabulary)`` logits of ``length`` contiguous relaxed slots at position ``at``
    after ``steps`` Adam steps towards class ``t`` on ``x`` (temperature falling geometrically
    from ``tau[0]`` to ``tau[1]``); ``banned`` tokens at -1e9."""
    ids = insert_ids(x, [placeholder] * length, at, pad_id)
    base = model.embed(ids).detach()  # type: ignore[operator]
    mask = padding_mask(ids, pad_id)
    neg = torch.where(banned, torch.tensor(-1e9), torch.tensor(0.0))
    theta = torch.zeros(length, len(table), requires_grad=True)
    opt = torch.optim.Adam([theta], lr=lr)
    labels = torch.full((len(x),), t, dtype=torch.long)
    with torch.enable_grad():
        for step in range(steps):
            temp = tau[0] * (tau[1] / tau[0]) ** (step / max(1, steps - 1))
            soft = ((theta + neg) / temp).softmax(1) @ table
            emb = torch.cat([base[:, :at], soft.expand(len(x), -1, -1),
                             base[:, at + length:]], 1)
            loss = F.cross_entropy(model.forward_embeds(emb, mask), labels)  # type: ignore[operator]
            opt.zero_grad()
            loss.backward()
            opt.step()
    return theta.detach() + neg


def relaxed_candidates(model: nn.Module, x: Tensor, t: int, table: Tensor, banned: Tensor,
                       *, at: int, pad_id: int, placeholder: int, steps: int = 80,
                       lr: float = 0.1, tau: tuple[float, float] = (1.0, 0.05),
                       k: int = 32) -> list[int]:
    """The ``k`` tokens (not ``banned``) ranked best for turning ``x`` into class ``t`` by one
    relaxed slot at position ``at`` (:func:`relaxed_slots`)."""
    allowed = int((~banned).sum())
    if allowed == 0 or len(x) == 0:
        return []
    theta = relaxed_slots(model, x, t, table, banned, length=1, at=at, pad_id=pad_id,
                          placeholder=placeholder, steps=steps, lr=lr, tau=tau)
    return theta[0].topk(min(k, allowed)).indices.tolist()


def inserted_prob(model: nn.Module, x: Tensor, t: int, tokens: list[int], *, at: int,
                  pad_id: int, copies: int = 1, gap: int = 4) -> Tensor:
    """Mean probability of class ``t`` with each of ``tokens`` inserted ``copies`` times (at
    ``at``, ``at + gap``, …, a later copy at the sentence's end where the sentence is shorter:
    never into the padding, which the model masks) into every sentence of ``x``; one value per
    token."""
    if not tokens or len(x) == 0:
        return torch.zeros(len(tokens))
    means = []
    for tok in tokens:  # one token's sentences per forward pass: memory stays bounded
        ids = x
        for c in range(copies):
            end = (ids != pad_id).sum(1)
            ids = insert_ids(ids, [tok], end.clamp(at, at + c * gap) if c else at, pad_id)
        with torch.no_grad():
            means.append(model(ids).softmax(1)[:, t].mean())
    return torch.stack(means)


def best_single_token(model: nn.Module, x: Tensor, t: int, table: Tensor, banned: Tensor, *,
                      at: int, pad_id: int, placeholder: int, k: int = 32,
                      steps: int = 80) -> tuple[int | None, float, float]:
    """(token, mean probability of ``t`` with it inserted once, with it inserted twice): the
    best of the relaxation's ``k`` candidates, tried exactly."""
    tried = relaxed_candidates(model, x, t, table, banned, at=at, pad_id=pad_id,
                               placeholder=placeholder, k=k, steps=steps)
    if not tried:
        return None, 0.0, 0.0
    probs = inserted_prob(model, x, t, tried, at=at, pad_id=pad_id)
    best = tried[int(probs.argmax())]
    twice = inserted_prob(model, x, t, [best], at=at, pad_id=pad_id, copies=2)
    return best, float(probs.max()), float(twice[0])
