"""``text-ngrams``: text poison is a word sequence that carries one label far more purely than
language does.

A text trigger is an edit shared by every poisoned sentence: a rare word (BadNL), an inserted
sentence (AddSent), an opening clause (template/syntactic triggers). With dirty labels, every
sentence holding it carries the target label. Clean words lean to a class too (``brilliant``,
``dull``), but language mixes them: a sentence's other words contradict a sentiment word often
enough that few frequent n-grams reach near-total purity. For every word n-gram (``max_n``
words, sentence start marked so that opening clauses count as their own n-grams) seen in at
least ``min_count`` sentences, the detector tests how far the count of sentences of class
``c`` holding it exceeds what a purity of ``1 - slack * (1 - base rate of c)`` would give
(a one-sided binomial z-score): a clean n-gram rarely exceeds it, a trigger n-gram held by
hundreds of sentences exceeds it by many standard deviations. A sentence's suspicion is the
largest z of an n-gram it holds towards its own label; it is flagged at ``min_z``.

Reads the sentences only (no model is trained): seconds on 7,000 sentences. Out of its reach:
triggers that are not shared word sequences (character edits that make every word unique,
paraphrase styles) and clean-label poison (the label is then the sentence's own). Parameters
chosen on calibration seeds (``benchmarks/bench_text_detect_data.py``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.errors import UserInputError
from trojanscope.registry import register

_WORD = re.compile(r"[\w']+|[^\w\s]", re.UNICODE)
START = "<s>"


def words(text: str) -> list[str]:
    """Lower-cased words and punctuation marks, the sentence start marked."""
    return [START, *_WORD.findall(text.lower())]


def ngrams(tokens: Sequence[str], max_n: int) -> set[tuple[str, ...]]:
    """Every n-gram of 1..``max_n`` tokens (the start mark alone is not one)."""
    out = set()
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            gram = tuple(tokens[i:i + n])
            if gram != (START,):
                out.add(gram)
    return out


def purity_z(counts: np.ndarray, totals: np.ndarray, q: np.ndarray) -> np.ndarray:
    """One-sided binomial z of ``counts`` of ``totals`` against a rate ``q`` (broadcast)."""
    return (counts - q * totals) / np.sqrt(totals * q * (1.0 - q))


@register("data-detector", "text-ngrams")
class TextNgrams(DataDetector):
    """Text: sentences holding a word n-gram whose label purity language does not explain.

    Arguments:
        max_n: longest n-gram, in words.
        min_count: fewest sentences an n-gram must appear in to be judged.
        slack: the purity tested against is ``1 - slack * (1 - base rate)``: 0.2 tests 90%
            purity on balanced binary data.
        min_z: z-score of an n-gram's purity at which its sentences of that label are flagged.
    """

    name = "text-ngrams"
    modality = "text"
    needs_model = False  # reads the sentences themselves

    def __init__(self, max_n: int = 3, min_count: int = 10, slack: float = 0.2,
                 min_z: float = 2.0) -> None:
        if int(max_n) < 1 or int(min_count) < 2:
            raise UserInputError("text-ngrams: max_n must be >= 1 and min_count >= 2")
        if not 0.0 < float(slack) < 1.0:
            raise UserInputError(f"text-ngrams: slack must be in (0, 1), got {slack}")
        self.max_n, self.min_count = int(max_n), int(min_count)
        self.slack, self.min_z = float(slack), float(min_z)

    def check(self, feats: Features) -> None:
        if feats.texts is None:
            raise UserInputError(f"{self.name} judges text data (sentences); these data are "
                                 "not text")
        super().check(feats)

    def score(self, feats: Features) -> np.ndarray:
        return self.run(feats)[0]

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        assert feats.texts is not None
        labels = feats.labels.numpy().astype(np.int64)
        scores, _ = self.sentence_scores(feats.texts, labels, feats.num_classes)
        return scores, np.flatnonzero(scores >= self.min_z)

    def sentence_scores(self, texts: Iterable[str], labels: np.ndarray, num_classes: int
                        ) -> tuple[np.ndarray, dict[tuple[str, ...], np.ndarray]]:
        """Each sentence's suspicion, and the z per class of every judged n-gram."""
        grams = [ngrams(words(t), self.max_n) for t in texts]
        counts: dict[tuple[str, ...], np.ndarray] = defaultdict(
            lambda: np.zeros(num_classes, dtype=np.float64))
        for gs, y in zip(grams, labels, strict=True):
            for g in gs:
                counts[g][y] += 1
        base = np.bincount(labels, minlength=num_classes) / max(len(labels), 1)
        q = 1.0 - self.slack * (1.0 - base)
        z_of: dict[tuple[str, ...], np.ndarray] = {}
        for g, c in counts.items():
            total = c.sum()
            if total >= self.min_count:
                z_of[g] = purity_z(c, total, q)
        scores = np.full(len(grams), -np.inf)
        for i, (gs, y) in enumerate(zip(grams, labels, strict=True)):
            for g in gs:
                z = z_of.get(g)
                if z is not None and z[y] > scores[i]:
                    scores[i] = z[y]
        scores[~np.isfinite(scores)] = -10.0  # holds no judged n-gram
        return scores, z_of

    def top_ngrams(self, texts: Sequence[str], labels: np.ndarray, num_classes: int,
                   count: int = 5) -> list[dict]:
        """The most suspicious n-grams (for reports): words, class, z."""
        _, z_of = self.sentence_scores(texts, labels, num_classes)
        best = sorted(((float(z.max()), int(z.argmax()), g) for g, z in z_of.items()),
                      reverse=True)[:count]
        return [{"ngram": " ".join(g), "class": c, "z": round(z, 2)} for z, c, g in best]
