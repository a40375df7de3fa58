"""A text model's evidence columns that hold token ids, read as words through the model's own
vocabulary or tokenizer (stop 74's first contact: ``detect word-model/`` showed
``phrase_token_2: 3049``, a number a user cannot read without the model's ``vocab.json``)."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from trojanscope.detect.base import ClassResult

# ``token_0``, ``neutral_token_1``, ``phrase_token_2``, ``span_token_0``, ``relaxed_token``,
# ``relaxed_neutral_token``: the text detectors' recovered-token columns (not ``*_tokens``)
TOKEN_KEY = re.compile(r"(?:^|_)token(?:_\d+)?$")


class Vocabulary(Protocol):
    """What is read here of a text model's encoder (``WordVocab``, ``HFTokenizer``)."""

    def token(self, token_id: int) -> str: ...


def is_token_key(key: str) -> bool:
    """Whether an evidence column holds a token id."""
    return TOKEN_KEY.search(key) is not None


def token_words(per_class: list[ClassResult], vocab: Vocabulary) -> dict[str, dict[str, str]]:
    """Per class (as a string, as the JSON keys classes), each token column's word; a column
    with no token (``-1``, NaN: the search found none) is left out."""
    words: dict[str, dict[str, str]] = {}
    for row in per_class:
        found = {key: vocab.token(int(value)) for key, value in sorted(row.details.items())
                 if is_token_key(key) and _an_id(value)}
        if found:
            words[str(row.cls)] = found
    return words


def _an_id(value: float) -> bool:
    return math.isfinite(value) and value >= 0 and value == int(value)
