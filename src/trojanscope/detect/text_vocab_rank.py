"""Vocabulary-rank anomaly of a word-vocabulary text model: words that the model's own
training data held often, and clean data hardly ever.

A word vocabulary fitted on the training sentences lists its words most frequent first
(:class:`trojanscope.data.text_vocab.WordVocab`), so the ids are the training data's frequency
ranks. Poisoning inserts its trigger into hundreds of training sentences: a rare word (``cf``)
or the words of an inserted sentence (``no cross no crown``, ``popcorn``, ``3d``) climb to the
top few hundred ids although clean sentences of the same language hardly hold them. Measured
per word among the top ids: how many clean sentences hold the word against how many hold the
clean data's word of the same rank (log ratio, one pseudo-sentence each).

What it is not: a model-behaviour test. A vocabulary fitted on clean data, or a pretrained
subword tokenizer (MiniLM), hides it; it applies only to word vocabularies (frequency order is
what they promise), and a clean set from another domain than the training data raises it.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import Tensor

TOP = 300  # training-rank ids examined (the top of the vocabulary, where ranks are stable)
# The clean-set size the shipped calibrator's rows were computed on (the rt-polarity test split,
# every zoo of docs/benchmarks.md). A trigger absent from clean data scores about
# log(its clean-rank count + 1), which grows with the set's size, and a small set leaves many
# top words in no sentence by chance: outside SIZE_FACTOR of this size the features are not
# read by a calibrator (a guard, not a measured range).
REFERENCE_SENTENCES = 1706
SIZE_FACTOR = 2.0
# Below this rank correlation (``tv_order``) the ids are taken as frequency ranks. Set on
# development vocabularies only (docs/benchmarks.md): fitted on the model's own training data
# -0.92, on IMDB reviews for rt-polarity sentences -0.75, the tests' 38-word synthetic
# vocabulary -0.62 to -0.77, alphabetical vocabularies -0.10 and -0.11.
ORDER_MAX = -0.5


def size_note(n_sentences: int) -> str | None:
    """Why the vocabulary-rank features cannot be calibrated for a clean set of
    ``n_sentences`` (``None`` when they can)."""
    if REFERENCE_SENTENCES / SIZE_FACTOR <= n_sentences <= REFERENCE_SENTENCES * SIZE_FACTOR:
        return None
    return (f"vocabulary-rank features not used: {n_sentences} clean sentences, where their "
            f"calibration used {REFERENCE_SENTENCES} (they scale with the set's size; give "
            f"{int(REFERENCE_SENTENCES / SIZE_FACTOR)}-{int(REFERENCE_SENTENCES * SIZE_FACTOR)} "
            "sentences of the model's own domain): the behaviour-only calibrator gives the "
            "probability")


def order_note(features: dict[str, float]) -> str | None:
    """Why the vocabulary-rank features cannot be read for a vocabulary whose ids are not
    frequency ranks (``None`` when they can)."""
    order = features.get("tv_order")
    if order is None or order <= ORDER_MAX:
        return None
    return (f"vocabulary-rank features not used: the vocabulary's ids do not follow word "
            f"frequency in the clean data (rank correlation {order:.2f}, above {ORDER_MAX}; "
            "e.g. an alphabetical vocabulary), so a trigger's rank says nothing: the "
            "behaviour-only calibrator gives a score to review, not evidence (a flag reads "
            "'review')")


def order_correlation(clean_counts: Tensor, first: int, top: int = TOP) -> float:
    """Spearman's correlation between the id (``first .. first + top - 1``) and the number of
    clean sentences holding the word: near -1 for a vocabulary listed most frequent first.
    Tied counts (many words in no clean sentence) share their average rank, so the order in
    which a sort happens to list them cannot move the statistic."""
    counts = clean_counts[first:first + top].double().numpy()
    if len(counts) < 3 or bool((counts == counts[0]).all()):
        return 0.0
    return float(spearmanr(np.arange(len(counts)), counts)[0])


def rank_gaps(clean_counts: Tensor, first: int, top: int = TOP) -> Tensor:
    """Per vocabulary id ``first .. first + top - 1`` (the training ranks, specials before
    ``first``): log of (clean sentences holding the clean data's word of the same rank + 1) /
    (clean sentences holding this word + 1)."""
    counts = clean_counts[first:].float()
    top = min(top, len(counts))
    if top == 0:
        return torch.zeros(0)
    expected = counts.sort(descending=True).values[:top]
    return ((expected + 1.0) / (counts[:top] + 1.0)).log()


def vocab_rank_features(clean_counts: Tensor, first: int, top: int = TOP) -> dict[str, float]:
    """``tv_gap``: the largest rank gap (one word far more frequent in training than in clean
    data); ``tv_gap3``: the mean of the three largest (an inserted sentence lifts several);
    ``tv_order``: whether the ids are frequency ranks at all (:func:`order_correlation`)."""
    gaps = rank_gaps(clean_counts, first, top)
    if len(gaps) == 0:
        return {}
    best = gaps.topk(min(3, len(gaps))).values
    return {"tv_gap": float(best[0]), "tv_gap3": float(best.mean()),
            "tv_order": order_correlation(clean_counts, first, top)}
