"""Which pool-sentence words the word-order search may use (``benchmarks/
text_sentence_pool_reach.py``, issue 15 stop 40)."""

from __future__ import annotations

from types import SimpleNamespace

import torch


def test_fillings_are_every_drawable_sentence_of_the_template(load_benchmark) -> None:
    reach = load_benchmark("text_sentence_pool_reach")
    pool = load_benchmark("text_sentence_pool")
    every = [s for t in pool.TEMPLATES for s in reach.fillings(t)]
    assert set(every) - set(pool.FIXED) == pool.every_sentence()
    assert len(reach.fillings("{person} told me about this {thing}")) == 60


def test_longest_run_of_allowed_words(load_benchmark) -> None:
    run = load_benchmark("text_sentence_pool_reach").longest_run
    assert run([True, True, False, True, True, True]) == 3
    assert run([False, False]) == 0


def test_a_word_three_clean_sentences_hold_survives_min_docs_3_a_rarer_one_not(
    load_benchmark, monkeypatch
) -> None:
    """The candidate rules as ``order_inputs`` applies them: ``rare`` (one clean sentence, of
    class 0) leans to class 0, so it is out for target 0 and in for target 1 without
    ``min_docs``, out for both with ``min_docs=3``; the class-neutral common words stay in."""
    script = load_benchmark("text_sentence_pool_reach")

    clean = SimpleNamespace(
        texts=["a b rare", "a b", "a b", "a b", "b a", "b a"], y=torch.tensor([0, 1, 0, 1, 0, 1])
    )
    vocab = ["<pad>", "<unk>", "a", "b", "rare"]
    monkeypatch.setattr(script, "TEMPLATES", ("{x}",))
    monkeypatch.setattr(script, "SLOTS", {"x": ("a b rare",)})
    got = {n: script.reach(vocab, clean, n)["{x}"] for n in (0, 3)}
    assert got[0]["words_allowed"] == round(5 / 6, 3) and got[0]["longest_run"] == 2.5
    assert got[3]["words_allowed"] == round(2 / 3, 3) and got[3]["longest_run"] == 2
