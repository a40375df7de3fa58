"""Stop 74 (hfix; hcmd's first contact, "Named" (6)): a word model's evidence read
``phrase_token_2: 3049``, an id a user cannot read. Where the model's vocabulary is at hand the
text output shows the word beside the id, and the JSON adds the words (``evidence_words``)."""

from __future__ import annotations

import io

from rich.console import Console

import trojanscope.cli.commands.detect as detect_cmd
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.detect.token_words import is_token_key, token_words

VOCAB = WordVocab(["<pad>", "<unk>", "great", "cf", "[CLS]"], 8)  # [CLS]: not markup


def _verdict() -> ModelVerdict:
    per_class = [ClassResult(0, 0.58, {"token_0": 3.0, "phrase_token_1": 2.0, "prob": 0.82,
                                       "relaxed_token": -1.0}),
                 ClassResult(1, 0.31, {"token_0": 4.0, "phrase_token_1": float("nan"),
                                       "prob": 0.7, "relaxed_token": 1.0})]
    return ModelVerdict("text-inversion", 0.58, [0, 1], per_class, {"calibrated": 1.0},
                        probability=0.06)


def test_token_columns_and_their_words() -> None:
    assert [k for k in ("token_0", "neutral_token_2", "span_token_1", "relaxed_token",
                        "relaxed_neutral_token", "phrase_tokens", "prob", "tokens")
            if is_token_key(k)] == ["token_0", "neutral_token_2", "span_token_1",
                                    "relaxed_token", "relaxed_neutral_token"]
    # no word where the search found no token (-1, NaN); the marker token read as it is
    assert token_words(_verdict().per_class, VOCAB) == {
        "0": {"phrase_token_1": "great", "token_0": "cf"},
        "1": {"relaxed_token": "<unk>", "token_0": "[CLS]"}}


def test_the_table_shows_the_word_beside_the_id(monkeypatch) -> None:
    verdict = _verdict()
    out = io.StringIO()
    monkeypatch.setattr(detect_cmd, "stdout_console",
                        lambda: Console(file=out, width=160, force_terminal=False))
    detect_cmd.print_table(verdict, "word-model", token_words(verdict.per_class, VOCAB))
    rows = [line.split("│") for line in out.getvalue().splitlines() if line.startswith("│")]
    cells = {r[1].strip(): [c.strip() for c in r[2:-1]] for r in rows}
    # columns: phrase_token_1, prob, relaxed_token, token_0
    assert cells["0"] == ["0.58", '2 "great"', "0.82", "-1", '3 "cf"']
    assert cells["1"] == ["0.31", "-", "0.7", '1 "<unk>"', '4 "[CLS]"']
