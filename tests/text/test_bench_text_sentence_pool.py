"""The foreign text zoo's sentence triggers (``benchmarks/foreign_text_zoo.py``, issue 15 stop
38): each sentence model draws its own sentence from a seeded pool, never one of the three
fixed sentences of the development zoos; ``--sentences fixed`` keeps those zoos' choice."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

# each sentence holds a word of its own (the rare-word attack draws from such words)
TEXTS = [
    f"a plain sentence about the {chr(97 + i % 26)}{chr(97 + i // 26)}ox and more"
    for i in range(40)
]


def train_set() -> SimpleNamespace:
    return SimpleNamespace(texts=TEXTS, y=torch.tensor([i % 2 for i in range(40)]))


def sentence_triggers(zoo, seed: int, sentences: str = "pool") -> list[str]:
    # one recipe: models 3, 7, 11 and 15 are the sentence models
    plans = [zoo.plan_one(i, seed, train_set(), ("cnn-min2",), sentences) for i in range(16)]
    return [" ".join(p["trigger"]) for p in plans if p["attack"] == "sentence"]


def test_sentence_models_draw_fresh_sentences_per_seed(load_benchmark) -> None:
    zoo = load_benchmark("foreign_text_zoo")
    pool = load_benchmark("text_sentence_pool")
    a, b = sentence_triggers(zoo, 2400), sentence_triggers(zoo, 2401)
    assert len(a) == 4 and not set(a) & set(pool.FIXED) and not set(b) & set(pool.FIXED)
    assert len(set(a)) >= 3 and a != b  # own sentences per model and per seed
    assert a == sentence_triggers(zoo, 2400)  # the seed decides


def test_fixed_sentences_keep_the_development_zoos_triggers(load_benchmark) -> None:
    zoo = load_benchmark("foreign_text_zoo")
    pool = load_benchmark("text_sentence_pool")
    fixed = sentence_triggers(zoo, 2300, "fixed")
    assert fixed and set(fixed) <= set(pool.FIXED)
    # the old draw: one integer from the model's generator after the target
    rng = np.random.default_rng([2300, 2])
    rng.integers(2)
    assert fixed[0] == pool.FIXED[int(rng.integers(len(pool.FIXED)))]


def test_the_pool_is_large_and_rejects_an_unknown_source(load_benchmark) -> None:
    pool = load_benchmark("text_sentence_pool")
    rng = np.random.default_rng(0)
    drawn = {" ".join(pool.draw_sentence(rng)) for _ in range(300)}
    every = pool.every_sentence()
    assert len(drawn) > 200 and drawn <= every
    # the figures the docstring and docs/benchmarks.md give: 7,565 drawable, 6-9 words
    assert len(every) == 7565 and not every & set(pool.FIXED)
    assert {len(s.split()) for s in every} == {6, 7, 8, 9}
    with pytest.raises(ValueError, match="pool"):
        pool.sentence_trigger(rng, "three")
