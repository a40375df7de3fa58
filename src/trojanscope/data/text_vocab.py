"""A word vocabulary built from training sentences: the tokenizer of the small text models.

Lower-cased words and punctuation marks (``\\w+`` runs and single other characters) become ids;
``<pad>`` is 0 and ``<unk>`` 1. The vocabulary is built from the training split *as the victim
sees it* (poisoned, when attacked), the way a real training pipeline would, and saved with the
model as ``vocab.json`` (plain JSON: no code).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.io.json_file import load_json

VOCAB_NAME = "vocab.json"
PAD, UNK = "<pad>", "<unk>"
_TOKEN = re.compile(r"\w+|[^\w\s]")


def words(text: str) -> list[str]:
    """The word tokens of ``text`` (lower-cased)."""
    return _TOKEN.findall(text.lower())


class WordVocab:
    """Word → id, fixed length ``max_len`` (longer texts are cut, shorter padded with 0)."""

    kind = "word-vocab"
    pad_id = 0
    unk_id = 1

    def __init__(self, tokens: Sequence[str], max_len: int = 64) -> None:
        if int(max_len) < 1:
            raise UserInputError(f"max_len must be >= 1, got {max_len}")
        if list(tokens[:2]) != [PAD, UNK]:
            raise UserInputError(f"a word vocabulary starts with {PAD!r}, {UNK!r}")
        self.tokens = list(tokens)
        self.max_len = int(max_len)
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def fit(
        cls, texts: Sequence[str], *, max_len: int = 64, min_count: int = 1, max_size: int = 30000
    ) -> WordVocab:
        """The words of ``texts`` seen at least ``min_count`` times, most frequent first (ties
        alphabetical, so the same texts give the same ids)."""
        counts = Counter(w for t in texts for w in words(t))
        kept = sorted((w for w, c in counts.items() if c >= min_count),
                      key=lambda w: (-counts[w], w))
        return cls([PAD, UNK, *kept[: max_size - 2]], max_len)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, texts: Sequence[str]) -> Tensor:
        out = torch.zeros(len(texts), self.max_len, dtype=torch.long)
        for row, text in enumerate(texts):
            ids = [self.index.get(w, self.unk_id) for w in words(text)][: self.max_len]
            if ids:
                out[row, : len(ids)] = torch.tensor(ids)
        return out

    def token(self, token_id: int) -> str:
        """The word of ``token_id`` (for showing recovered triggers)."""
        return self.tokens[token_id] if 0 <= token_id < len(self.tokens) else UNK

    def save(self, folder: str | Path) -> list[str]:
        path = Path(folder) / VOCAB_NAME
        path.write_text(json.dumps({"kind": self.kind, "max_len": self.max_len,
                                    "tokens": self.tokens}) + "\n", encoding="utf-8")
        return [VOCAB_NAME]

    @classmethod
    def load(cls, folder: str | Path) -> WordVocab:
        path = Path(folder) / VOCAB_NAME
        try:
            raw = load_json(path, 64 << 20)  # a word list: size-capped, nesting checked
            return cls(list(raw["tokens"]), int(raw["max_len"]))
        except FileNotFoundError:
            raise UserInputError(f"{path}: missing; a text model needs its vocabulary") from None
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise UserInputError(f"{path}: not a readable vocabulary ({exc})") from None
