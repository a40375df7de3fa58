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
