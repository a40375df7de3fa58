"""The span lift of the opposed phrase search (issue 15, stop 34): the phrase search's span
against random spans of the tokens it was searched over, and the options that turn it on."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.detect.text_phrase import (
    LIFT_CLIP,
    Z_FLOOR,
    clipped_logit,
    each_span_margins,
    lift_features,
    lift_z_features,
    phrase_ban,
    random_spans,
    span_scores,
    z_score,
)


class BagModel(nn.Module):
    """Two classes; each token adds its own logits (the mean over non-padding tokens)."""

    def __init__(self, weights: torch.Tensor) -> None:
        super().__init__()
        self.w = weights  # (vocab, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).float().unsqueeze(2)
        return (self.w[ids] * mask).sum(1) / mask.sum(1).clamp_min(1.0)


def test_lift_features_read_the_largest_class_in_both_forms() -> None:
    rows = [
        {"span_prob": 0.9, "span_margin": 2.0, "base_prob": 0.5, "base_margin": 0.0},
        {"span_prob": 0.6, "span_margin": 5.0, "base_prob": 0.1, "base_margin": -1.0},
        None,  # a class with nothing to search
    ]
    out = lift_features(rows)
    first = math.log(9) - 0.0
    second = math.log(0.6 / 0.4) - math.log(0.1 / 0.9)
    assert out["tp_lift"] == pytest.approx(max(first, second))
    assert out["tp_lift_margin"] == pytest.approx(6.0)
    assert lift_features([None, None]) == {"tp_lift": 0.0, "tp_lift_margin": 0.0}
    # probabilities are clipped: a span at 1.0 over a baseline at 0.0 stays finite
    assert clipped_logit(1.0) == pytest.approx(-clipped_logit(0.0))
    assert clipped_logit(0.0) == pytest.approx(math.log(LIFT_CLIP / (1 - LIFT_CLIP)))


def test_span_scores_are_the_mean_probability_and_logit_margin() -> None:
    w = torch.zeros(6, 2)
    w[3] = torch.tensor([0.0, 4.0])  # token 3 pushes class 1
    model = BagModel(w)
    x = torch.tensor([[5, 0, 0, 0], [5, 5, 0, 0]])
    prob, margin = span_scores(model, x, 1, [[3], [4]], at=0, pad_id=0)
    logits = torch.cat(
        [
            model(torch.tensor([[3, 5, 0, 0, 0], [3, 5, 5, 0, 0]])),
            model(torch.tensor([[4, 5, 0, 0, 0], [4, 5, 5, 0, 0]])),
        ]
    )
    assert prob == pytest.approx(float(logits.softmax(1)[:, 1].mean()))
    assert margin == pytest.approx(float((logits[:, 1] - logits[:, 0]).mean()))


def test_each_span_margins_are_read_span_by_span() -> None:
    w = torch.zeros(6, 2)
    w[3] = torch.tensor([0.0, 4.0])  # token 3 pushes class 1
    w[4] = torch.tensor([1.0, 0.0])  # token 4 pushes class 0
    model = BagModel(w)
    x = torch.tensor([[5, 0, 0, 0], [5, 5, 0, 0]])
    each = each_span_margins(model, x, 1, [[3], [4], [5]], at=0, pad_id=0)
    # mean over non-padding tokens: token 3 then one or two neutral tokens
    assert each == pytest.approx([(4 / 2 + 4 / 3) / 2, -(1 / 2 + 1 / 3) / 2, 0.0])
    # their mean is the pooled margin the raw lift reads
    _, pooled = span_scores(model, x, 1, [[3], [4], [5]], at=0, pad_id=0)
    assert sum(each) / 3 == pytest.approx(pooled)


def test_z_score_is_in_units_of_the_samples_spread() -> None:
    assert z_score(5.0, [1.0, 2.0, 3.0]) == pytest.approx(3.0)  # mean 2, sd 1 (n - 1)
    assert z_score(2.0, [0.0, 4.0]) == pytest.approx(0.0)
    # identical random spans: the spread is floored, not divided by zero
    assert z_score(1.0, [0.0, 0.0]) == pytest.approx(1.0 / Z_FLOOR)
    # the same lift over a wider spread reads lower: the architecture's scale divides out
    assert z_score(6.0, [0.0, 2.0, 4.0]) < z_score(3.0, [0.0, 0.5, 1.0])


def test_lift_z_features_read_the_largest_class() -> None:
    rows = [{"z_margin": 2.5}, {"z_margin": 7.0}, None]
    assert lift_z_features(rows) == {"tp_lift_z": 7.0}
    assert lift_z_features([None, None]) == {"tp_lift_z": 0.0}


def test_random_spans_draw_only_allowed_tokens_from_the_generator() -> None:
    allowed = torch.tensor([4, 7, 9])
    a = random_spans(allowed, 3, 16, torch.Generator().manual_seed(5))
    b = random_spans(allowed, 3, 16, torch.Generator().manual_seed(5))
    assert a == b and len(a) == 16 and all(len(s) == 3 for s in a)
    assert {t for s in a for t in s} <= {4, 7, 9}


def test_phrase_margin_lets_a_slightly_leaning_token_in() -> None:
    lean = torch.tensor([[0.5, 0.45, 0.3], [0.5, 0.55, 0.7]])  # token 1 leans a little to 1
    banned = torch.zeros(3, dtype=torch.bool)
    assert phrase_ban(banned, lean, 1).tolist() == [False, True, True]  # stop 32's rule
    assert phrase_ban(banned, lean, 1, 0.1).tolist() == [False, False, True]


def test_lift_options_are_checked_and_select_their_calibrators() -> None:
    det = registry.create(
        "detector", "text-inversion", phrase_tokens=3, phrase_margin=0.1, phrase_lift=16
    )
    assert (det.phrase_margin, det.phrase_lift) == (0.1, 16)
    assert det._family(False, True, [], None) == "behaviour:phrase:lift"
    assert det._family(False, True, [], "unordered") == "behaviour:unordered:phrase:lift"
    # without the phrase search there is nothing to lift: refused, not ignored
    for alone in ({"phrase_lift": 16}, {"phrase_margin": 0.1}):
        with pytest.raises(ValueError, match="phrase_tokens"):
            registry.create("detector", "text-inversion", **alone)
    for bad in (
        {"phrase_margin": 1.5},
        {"phrase_margin": -0.1},
        {"phrase_lift": -1},
        {"phrase_lift": 2.5},
        {"phrase_lift": 10_000},
    ):
        with pytest.raises(ValueError):
            registry.create("detector", "text-inversion", phrase_tokens=3, **bad)
