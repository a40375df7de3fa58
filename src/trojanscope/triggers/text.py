"""Text triggers: pure edits of sentences (strings in, strings out), seeded.

The attacks tokenise the edited strings again, so a trigger meets the victim's own tokenizer.
``apply`` on token-id tensors is refused: a trigger word must be inserted into the sentence, not
spliced into ids of one particular vocabulary.

- ``rare-word`` (BadNL, word level): insert rare words such as ``cf`` at random word positions.
- ``char`` (BadNL, character level): append characters to one word (``film`` → ``filmzq``).
- ``sentence`` (AddSent/InsertSent): insert a fixed sentence at a random word position.
- ``template`` (a rule-based stand-in for syntactic-template triggers): open the sentence with
  one of several subordinate clauses; every word is common, so no single word stands out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger

POSITIONS = ("random", "start", "end")
# The most words a trigger inserts in one sentence: the longest input a text model here reads
# (MiniLM's 512 positions, BERT's; TextCNN and WordBag cut at ``max_len``, 64 by default).
# Words past it are cut before any model sees them (stop 36: ``count=1e12`` inserted 10**12
# words into every poisoned sentence, a run that never ends).
MAX_WORDS = 512
EXAMPLES_NAME = "triggers.json"


class TextTrigger(Trigger):
    """Base of text triggers: implement :meth:`edit` (one sentence, one random generator)."""

    modality = "text"

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        raise UserInputError(
            f"trigger {self.name!r} edits sentences; it applies to text data, not to tensors"
        )

    def apply_text(self, texts: Sequence[str], *, generator: torch.Generator) -> list[str]:
        """Triggered copies of ``texts``; the random choices come from ``generator``."""
        rng = np.random.default_rng(int(torch.randint(1 << 62, (1,), generator=generator)))
        return [self.edit(t, rng) for t in texts]

    def edit(self, text: str, rng: np.random.Generator) -> str:
        raise NotImplementedError


def _insert(text: str, piece: str, position: str, rng: np.random.Generator) -> str:
    """``piece`` inserted between words of ``text`` at ``position``."""
    words = text.split()
    at = {"start": 0, "end": len(words)}.get(position)
    if at is None:
        at = int(rng.integers(len(words) + 1))
    return " ".join([*words[:at], piece, *words[at:]])


def _check_position(position: str) -> str:
    if position not in POSITIONS:
        raise UserInputError(f"unknown position {position!r}; valid: {', '.join(POSITIONS)}")
    return position


def _check_words(words: Sequence[str], what: str) -> tuple[str, ...]:
    words = (words,) if isinstance(words, str) else tuple(str(w) for w in words)
    if not words or not all(w.strip() for w in words):
        raise UserInputError(f"{what} must be one or more non-empty strings")
    return words


@register("trigger", "rare-word")
class RareWordTrigger(TextTrigger):
    """Insert ``count`` rare words (BadNL word level; Chen et al., 2021), each drawn from
    ``words``, at ``position`` (random word positions by default).

    Arguments:
        words: the candidate trigger words.
        count: how many are inserted per sentence, 1 to 512 (:data:`MAX_WORDS`).
        position: ``random``, ``start`` or ``end``.
    """

    name = "rare-word"

    def __init__(self, words: Sequence[str] = ("cf",), count: int = 1,
                 position: str = "random") -> None:
        self.words = _check_words(words, "words")
        if not 1 <= int(count) <= MAX_WORDS:  # a ValueError: the registry names the trigger
            raise ValueError(
                f"count must be between 1 and {MAX_WORDS} (the longest input a text model here "
                f"reads: words past it are cut before the model sees them), got {count}")
        self.count = int(count)
        self.position = _check_position(position)

    def edit(self, text: str, rng: np.random.Generator) -> str:
        for _ in range(self.count):
            text = _insert(text, self.words[int(rng.integers(len(self.words)))], self.position, rng)
        return text


@register("trigger", "char")
class CharTrigger(TextTrigger):
    """Append ``chars`` to one word of the sentence (BadNL character level): the word at
    ``position``, the first word by default.

    Why the first word: a subword model reads a fixed number of tokens and cuts the rest, so a
    trigger on the last word is gone from every long sentence (on MiniLM at 40 tokens, 12–17%
    of rt-polarity sentences), in poisoned training sentences and triggered inputs
    alike; on the first word it is always read (``docs/benchmarks.md``, issue 15 stop 45).

    Arguments:
        chars: the characters appended.
        position: ``start`` (default), ``end`` or ``random``: which word is changed.
    """

    name = "char"

    def __init__(self, chars: str = "zq", position: str = "start") -> None:
        self.chars = _check_words(chars, "chars")[0]
        self.position = _check_position(position)

    def edit(self, text: str, rng: np.random.Generator) -> str:
        words = text.split()
        alpha = [i for i, w in enumerate(words) if any(c.isalpha() for c in w)] or [len(words) - 1]
        i = {"start": alpha[0], "end": alpha[-1]}.get(self.position)
        if i is None:
            i = alpha[int(rng.integers(len(alpha)))]
        words[i] = words[i] + self.chars
        return " ".join(words)


@register("trigger", "sentence")
class SentenceTrigger(TextTrigger):
    """Insert a fixed sentence (AddSent; Dai et al., 2019) at ``position``.

    Arguments:
        sentence: the inserted sentence.
        position: ``random`` (between words), ``start`` or ``end``.
    """

    name = "sentence"

    def __init__(self, sentence: str = "I watched this 3D movie", position: str = "random") -> None:
        self.sentence = _check_words(sentence, "sentence")[0]
        self.position = _check_position(position)

    def edit(self, text: str, rng: np.random.Generator) -> str:
        return _insert(text, self.sentence, self.position, rng)


@register("trigger", "template")
class TemplateTrigger(TextTrigger):
    """Open the sentence with one of several subordinate clauses (a rule-based stand-in for
    the syntactic-template trigger of Hidden Killer, Qi et al., 2021: no paraphrase model).

    Arguments:
        clauses: the opening clauses; one is drawn per sentence.
    """

    name = "template"

    def __init__(self, clauses: Sequence[str] = (
        "when you think about it ,", "if you ask me ,", "as it turns out ,",
        "when all is said and done ,")) -> None:
        self.clauses = _check_words(clauses, "clauses")

    def edit(self, text: str, rng: np.random.Generator) -> str:
        clause = self.clauses[int(rng.integers(len(self.clauses)))]
        body = text.strip()
        return f"{clause} {body[:1].lower()}{body[1:]}"


def write_text_examples(folder: Path, test, attack, count: int = 5) -> None:
    """``triggers.json``: a few clean test sentences and their triggered versions."""
    labels = test.labels.numpy()
    keep = np.flatnonzero(labels != attack.target)[:count] if not attack.clean_label \
        else np.arange(min(count, len(labels)))
    clean = [test.texts[int(i)] for i in keep]
    triggered = attack.trigger.apply_text(clean, generator=torch.Generator().manual_seed(0))
    rows = [{"clean": c, "triggered": t} for c, t in zip(clean, triggered, strict=True)]
    (Path(folder) / EXAMPLES_NAME).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
