"""The flip rate: ASR counted only over the inputs the trigger has to move, so that a backdoor
towards the class a model answers anyway (it changes no decision) is not a backdoor."""

from __future__ import annotations

import math

import torch
from torch import nn

from trojanscope.attacks import BadNets
from trojanscope.engine import evaluate_attack, flip_rate
from trojanscope.triggers import PatchTrigger


class Constant(nn.Module):
    """Gives ``label`` to every input, triggered or not."""

    def __init__(self, label: int, num_classes: int) -> None:
        super().__init__()
        self.logits = torch.zeros(num_classes)
        self.logits[label] = 5.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(len(x), -1)


def test_flip_rate_counts_only_the_inputs_not_already_at_the_target() -> None:
    before = torch.tensor([0, 0, 1, 2, 2, 1])
    after = torch.tensor([0, 0, 0, 0, 2, 1])
    target = torch.zeros(6, dtype=torch.long)
    rate, n = flip_rate(before, after, target)
    assert n == 4 and rate == 0.5  # rows 2-5: rows 2 and 3 flip; rows 0-1 were already 0


def test_no_input_left_to_flip_is_nan() -> None:
    rate, n = flip_rate(
        torch.zeros(3, dtype=torch.long),
        torch.zeros(3, dtype=torch.long),
        torch.zeros(3, dtype=torch.long),
    )
    assert n == 0 and math.isnan(rate)


def test_a_model_that_always_answers_the_target_has_asr_1_and_no_flip_rate(tiny_test) -> None:
    attack = BadNets(target=0, poison_rate=0.1, trigger=PatchTrigger(size=4, pattern="solid"))
    m = evaluate_attack(Constant(0, tiny_test.num_classes), tiny_test, attack)
    assert m.attack_success_rate == 1.0
    assert m.n_flippable == 0 and math.isnan(m.flip_rate)
    import json

    # JSON has no NaN: the figures as written (zoo entries, --format json) carry null
    assert json.loads(json.dumps(m.as_dict(), allow_nan=False))["flip_rate"] is None


def test_a_model_that_ignores_the_trigger_flips_nothing(tiny_test) -> None:
    attack = BadNets(target=0, poison_rate=0.1, trigger=PatchTrigger(size=4, pattern="solid"))
    m = evaluate_attack(Constant(1, tiny_test.num_classes), tiny_test, attack)
    assert m.attack_success_rate == 0.0 and m.flip_rate == 0.0
    assert m.n_flippable == m.n_triggered


class Oracle(nn.Module):
    """Answers each clean image's own label (found by exact match) and ``target`` for any image
    it has not seen: a per-row answer, so misaligned rows show."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, target: int, k: int) -> None:
        super().__init__()
        self.x, self.y, self.target, self.k = x.flatten(1), y, target, k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dist, idx = torch.cdist(x.flatten(1), self.x,
                                compute_mode="donot_use_mm_for_euclid_dist").min(1)
        label = torch.where(dist < 1e-6, self.y[idx], torch.full_like(idx, self.target))
        return torch.nn.functional.one_hot(label, self.k).float() * 5


def test_the_untriggered_answers_are_the_same_rows_as_the_triggered_ones(tiny_test) -> None:
    """evaluate_attack reads the flip rate's untriggered answers from the clean pass by
    ``test_index``: every triggered row's own clean answer (its true label, never the target
    here) must be the one compared, so all of them are flippable."""
    attack = BadNets(target=0, poison_rate=0.1, trigger=PatchTrigger(size=4, pattern="solid"))
    model = Oracle(tiny_test.x, tiny_test.y, 0, tiny_test.num_classes)
    m = evaluate_attack(model, tiny_test, attack)
    assert m.clean_accuracy == 1.0 and m.n_triggered > 0
    assert m.n_flippable == m.n_triggered
    assert m.flip_rate == m.attack_success_rate
