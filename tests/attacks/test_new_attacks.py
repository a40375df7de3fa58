"""LF, FTrojan, BppAttack and adaptive-blend: their triggers, cover samples and test triggers,
and (on the tiny synthetic set, in seconds) that each plants a working backdoor."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.attacks import AdaptiveBlend, Attack, BppAttack, FTrojan, LowFrequency
from trojanscope.errors import UserInputError
from trojanscope.triggers import (
    FrequencyTrigger,
    PatchTrigger,
    PiecesTrigger,
    QuantizeTrigger,
    SmoothTrigger,
)


def test_default_triggers() -> None:
    assert isinstance(LowFrequency().trigger, SmoothTrigger)
    assert isinstance(FTrojan().trigger, FrequencyTrigger)
    assert isinstance(BppAttack().trigger, QuantizeTrigger)
    assert isinstance(AdaptiveBlend().trigger, PiecesTrigger)


def test_adaptive_blend_covers_keep_labels_and_carry_a_partial_pattern(tiny_train) -> None:
    attack = AdaptiveBlend(target=1, poison_rate=0.1, cover_ratio=1.0, seed=3)
    ds = attack.poison(tiny_train)
    assert len(ds.cross_indices) == len(ds.poison_indices)
    assert not set(ds.cross_indices) & set(ds.poison_indices)
    idx = torch.from_numpy(ds.cross_indices)
    x, y = ds.get_batch(idx)
    clean_x, clean_y = tiny_train.get_batch(idx)
    assert torch.equal(y, clean_y)
    changed = (x != clean_x).flatten(1).float().mean(1)
    assert bool((changed > 0.2).all()) and bool((changed < 0.8).all()), "not a partial pattern"
    assert len(AdaptiveBlend(cover_ratio=0.0).poison(tiny_train).cross_indices) == 0


def test_adaptive_blend_tests_with_the_whole_pattern_at_test_alpha(tiny_train) -> None:
    attack = AdaptiveBlend(target=1, test_alpha=0.3)
    tx, _, _ = attack.test_inputs(tiny_train)
    clean = tiny_train.get_batch(torch.from_numpy(np.flatnonzero(tiny_train.labels != 1)))[0]
    pattern = attack.trigger.pattern(*clean.shape[1:])
    assert torch.allclose(tx, 0.7 * clean + 0.3 * pattern, atol=1e-6)


@pytest.mark.parametrize(
    "params",
    [{"trigger": PatchTrigger()}, {"cover_ratio": -1.0}, {"test_alpha": 0.0}],
)
def test_adaptive_blend_bad_parameters(params: dict) -> None:
    with pytest.raises(UserInputError):
        AdaptiveBlend(**params)


# Triggers strong enough for the tiny synthetic set (16×16 noisy prototypes, 448 images), where
# the MNIST defaults are too faint to learn in 8 epochs; MNIST figures are in benchmarks.md.
TINY = [
    LowFrequency(target=1, poison_rate=0.2),
    FTrojan(target=1, poison_rate=0.2, trigger=FrequencyTrigger(magnitude=2.0,
                                                                frequencies=[[3, 3], [5, 5]])),
    BppAttack(target=1, poison_rate=0.2, trigger=QuantizeTrigger(levels=2, dither=False)),
    AdaptiveBlend(target=1, poison_rate=0.2, trigger=PiecesTrigger(alpha=0.5), test_alpha=0.6),
]


@pytest.mark.parametrize("attack", TINY, ids=lambda a: a.name)
def test_backdoor_takes_on_the_tiny_set(attack: Attack, tiny_train, tiny_test, tiny_trainer):
    metrics = tiny_trainer(attack, tiny_train, tiny_test).metrics
    assert metrics["attack_success_rate"] >= 0.9
    assert metrics["clean_accuracy"] >= 0.9
