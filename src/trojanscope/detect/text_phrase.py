"""A phrase search against the other class's best words (issue 15, stop 32: inserted-sentence
triggers in a vocabulary fitted on clean text).

Why beside the greedy search of :mod:`trojanscope.detect.text_inversion`: on a sentiment model
that search finds natural sentiment words for every class, and three of them reach the same
probability as an inserted sentence (development zoos: 0.96-1.00 for clean and backdoored
models alike), so it never has to find the sentence's words. Here the other-class sentences
already hold the strongest other class's trigger, and only tokens the clean data does not tie to
the class are allowed: natural words of the class then compete with the rival's words, while a
backdoor's words (common words of an inserted sentence, a planted word) override them.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from trojanscope.detect.text_relax import insert_ids
from trojanscope.detect.text_tokens import leaning_to

PHRASE_MARGIN = 0.0  # a token seen more often in the class's clean sentences than uniform is out
LIFT_CLIP = 1e-4  # probabilities are read in [LIFT_CLIP, 1 - LIFT_CLIP] for the lift's logits
Z_FLOOR = 1e-3  # the random spans' spread is read as at least this (no division by 0)


def rival_trigger(found: list[tuple[list[int], list[float], list[float]]], t: int) -> list[int]:
    """The trigger of the class other than ``t`` whose search reached the highest probability
    (``found``: the greedy search's (trigger, flips, probabilities) per class)."""
    others = [c for c in range(len(found)) if c != t and found[c][0]]
    return found[max(others, key=lambda c: found[c][2][-1])][0] if others else []


def opposed(x: Tensor, rival: list[int], at: int, pad_id: int) -> Tensor:
    """``x`` with the rival trigger inserted at ``at`` (unchanged when there is none)."""
    return insert_ids(x, rival, at, pad_id) if rival else x


def phrase_ban(banned: Tensor, lean: Tensor, t: int, margin: float = PHRASE_MARGIN) -> Tensor:
    """``banned`` plus every token the clean data leans to class ``t`` by more than ``margin``
    over the uniform share (0: at all)."""
    return banned | leaning_to(lean, t, margin)


def phrase_features(probs: list[float]) -> dict[str, float]:
    """Model features of the opposed phrase search: the best class's mean probability
    (``tp_prob``) and its lead over the next class (``tp_gap``: a backdoor is one-directional)."""
    order = sorted(probs, reverse=True)
    return {"tp_prob": order[0], "tp_gap": order[0] - (order[1] if len(order) > 1 else 0.0)}


def span_scores(
    model: nn.Module, x: Tensor, t: int, spans: list[list[int]], at: int, pad_id: int
) -> tuple[float, float]:
    """(mean probability of class ``t``, mean logit margin of ``t`` — its logit less the
    largest other logit) over every sentence of ``x`` with each of ``spans`` inserted."""
    with torch.no_grad():  # every span's sentences in one batch
        logits = model(torch.cat([insert_ids(x, s, at, pad_id) for s in spans]))
    others = torch.cat([logits[:, :t], logits[:, t + 1 :]], 1)
    margin = logits[:, t] - others.max(1).values
    return float(logits.softmax(1)[:, t].mean()), float(margin.mean())


def each_span_margins(
    model: nn.Module, x: Tensor, t: int, spans: list[list[int]], at: int, pad_id: int
) -> list[float]:
    """Per span of ``spans``: the mean logit margin of class ``t`` (its logit less the largest
    other logit) over every sentence of ``x`` with that span inserted."""
    with torch.no_grad():  # every span's sentences in one batch, read back span by span
        logits = model(torch.cat([insert_ids(x, s, at, pad_id) for s in spans]))
    others = torch.cat([logits[:, :t], logits[:, t + 1 :]], 1)
    return (logits[:, t] - others.max(1).values).view(len(spans), -1).mean(1).tolist()


def z_score(value: float, sample: list[float]) -> float:
    """How many of ``sample``'s standard deviations (n - 1, at least :data:`Z_FLOOR`)
    ``value`` lies above its mean."""
    mean = sum(sample) / len(sample)
    var = sum((v - mean) ** 2 for v in sample) / max(len(sample) - 1, 1)
    return (value - mean) / max(math.sqrt(var), Z_FLOOR)


def random_spans(
    allowed: Tensor, length: int, draws: int, generator: torch.Generator
) -> list[list[int]]:
    """``draws`` spans of ``length`` tokens drawn uniformly, with replacement, from
    ``allowed`` (the phrase search's tokens): the baseline of the lift."""
    picks = torch.randint(len(allowed), (draws, length), generator=generator)
    return allowed[picks].tolist()


def clipped_logit(p: float) -> float:
    p = min(max(float(p), LIFT_CLIP), 1.0 - LIFT_CLIP)
    return math.log(p / (1.0 - p))


def lift_features(lifts: list[dict[str, float] | None]) -> dict[str, float]:
    """Model features of the span lift (issue 15, stop 33): how far the phrase search's span
    pushes its class beyond random spans of the tokens it was searched over, largest over the
    classes — in logits of the clipped mean probabilities (``tp_lift``) and in mean logit
    margins (``tp_lift_margin``). A backdoor's words are an n-gram the model was taught; a
    clean model's best unleaning words are rare words that random ones of the kind resemble.
    ``lifts``: per class ``{span_prob, span_margin, base_prob, base_margin}``, or None where
    the class had no sentences or tokens to search."""
    rows = [r for r in lifts if r]
    if not rows:
        return {"tp_lift": 0.0, "tp_lift_margin": 0.0}
    return {
        "tp_lift": max(clipped_logit(r["span_prob"]) - clipped_logit(r["base_prob"]) for r in rows),
        "tp_lift_margin": max(r["span_margin"] - r["base_margin"] for r in rows),
    }


def lift_z_features(lifts: list[dict[str, float] | None]) -> dict[str, float]:
    """The span lift read within the model's own random spans (issue 15, stop 34b): the
    searched span's mean logit margin as a z-score among its class's random spans' margins,
    largest over the classes (``tp_lift_z``). The raw lift's scale is the architecture's (a
    mean-pooled model's random spans spread wider than a Kim CNN's); a z-score is in units of
    the model's own spread. (Margins, not probabilities: random spans' mean probabilities sit
    at the clip on opposed sentences, so their spread is none.)
    ``lifts``: per class ``{z_margin, ...}``, or None as for :func:`lift_features`."""
    rows = [r for r in lifts if r]
    return {"tp_lift_z": max((r["z_margin"] for r in rows), default=0.0)}
