"""A relaxed search for a contiguous span of tokens (an inserted-sentence trigger, AddSent).

Why beside the one-token searches of :mod:`trojanscope.detect.text_relax` and the greedy
search of :mod:`trojanscope.detect.text_inversion`: a model poisoned with a fixed sentence
("no cross no crown") may answer only to several of its words together (a convolution over
the n-gram), so no single token flips it, and a greedy slot-by-slot search starting from one
token never reaches the combination. Here all slots of the span are relaxed at once (a softmax
over the allowed vocabulary each, optimised jointly while the temperature falls), then made
discrete and refined slot by slot, each slot's best relaxed tokens tried exactly.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.text_relax import insert_ids, relaxed_slots


def best_span(model: nn.Module, x: Tensor, t: int, table: Tensor, banned: Tensor, *,
              length: int, at: int, pad_id: int, placeholder: int, steps: int = 80,
              k: int = 8, rounds: int = 1) -> tuple[list[int], float]:
    """(span, mean probability of class ``t`` with it inserted at ``at`` into every sentence
    of ``x``): the relaxed slots' best tokens, each slot then replaced in turn by the one of
    its ``k`` best relaxed tokens that raises the probability most (``rounds`` passes)."""
    if length < 1 or len(x) == 0 or not bool((~banned).any()):
        return [], 0.0
    theta = relaxed_slots(model, x, t, table, banned, length=length, at=at, pad_id=pad_id,
                          placeholder=placeholder, steps=steps)
    k = min(k, int((~banned).sum()))
    options = theta.topk(k, dim=1).indices.tolist()
    span = [row[0] for row in options]

    def probs(spans: list[list[int]]) -> Tensor:
        with torch.no_grad():  # every trial span's sentences in one batch
            out = model(torch.cat([insert_ids(x, s, at, pad_id) for s in spans])).softmax(1)
        return out[:, t].view(len(spans), len(x)).mean(1)

    best = float(probs([span])[0])
    for _ in range(rounds):
        for slot in range(length):
            trials = [[*span[:slot], tok, *span[slot + 1:]] for tok in options[slot]]
            scores = probs(trials)
            i = int(scores.argmax())
            if float(scores[i]) > best:
                span, best = trials[i], float(scores[i])
    return span, best
