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

from torch import Tensor

from trojanscope.detect.text_relax import insert_ids
from trojanscope.detect.text_tokens import leaning_to

PHRASE_MARGIN = 0.0  # a token seen more often in the class's clean sentences than uniform is out


def rival_trigger(found: list[tuple[list[int], list[float], list[float]]], t: int) -> list[int]:
    """The trigger of the class other than ``t`` whose search reached the highest probability
    (``found``: the greedy search's (trigger, flips, probabilities) per class)."""
    others = [c for c in range(len(found)) if c != t and found[c][0]]
    return found[max(others, key=lambda c: found[c][2][-1])][0] if others else []


def opposed(x: Tensor, rival: list[int], at: int, pad_id: int) -> Tensor:
    """``x`` with the rival trigger inserted at ``at`` (unchanged when there is none)."""
    return insert_ids(x, rival, at, pad_id) if rival else x


def phrase_ban(banned: Tensor, lean: Tensor, t: int) -> Tensor:
    """``banned`` plus every token the clean data leans to class ``t`` at all."""
    return banned | leaning_to(lean, t, PHRASE_MARGIN)


def phrase_features(probs: list[float]) -> dict[str, float]:
    """Model features of the opposed phrase search: the best class's mean probability
    (``tp_prob``) and its lead over the next class (``tp_gap``: a backdoor is one-directional)."""
    order = sorted(probs, reverse=True)
    return {"tp_prob": order[0], "tp_gap": order[0] - (order[1] if len(order) > 1 else 0.0)}
