"""BadNL's character-level trigger (``char``): on the first word by default, so that a model
that cuts long inputs at ``max_len`` still reads it (issue 15, stop 45)."""

from __future__ import annotations

import numpy as np
import pytest

from trojanscope.attacks.text import BadNL
from trojanscope.triggers.text import CharTrigger


def test_default_char_trigger_is_on_the_first_word() -> None:
    rng = np.random.default_rng(0)
    text = "a gripping , funny film ."
    assert CharTrigger().edit(text, rng) == "azq gripping , funny film ."
    assert CharTrigger(position="end").edit(text, rng) == "a gripping , funny filmzq ."
    trigger = BadNL(level="char").trigger
    assert isinstance(trigger, CharTrigger) and trigger.position == "start"
    assert BadNL(level="char").triggered_texts(["-- and then , nothing ."]) == [
        "-- andzq then , nothing ."]  # the first word with a letter


def test_default_char_trigger_survives_a_subword_models_cut() -> None:
    pytest.importorskip("tokenizers")
    try:
        from trojanscope.models.minilm import default_model_dir

        folder = default_model_dir()
    except Exception:  # the weights package is an optional extra
        pytest.skip("no local MiniLM folder")
    from trojanscope.data.hf_tokenizer import HFTokenizer

    tok = HFTokenizer(folder, 12)
    long = " ".join(["the", "story"] * 20) + " ."
    rng = np.random.default_rng(0)
    ids = tok.encode([CharTrigger().edit(long, rng), CharTrigger(position="end").edit(long, rng)])
    q = [tok.token(int(i)) for i in ids[0]]
    assert "##q" in q  # the default is read
    assert "##q" not in [tok.token(int(i)) for i in ids[1]]  # the last word is cut away
