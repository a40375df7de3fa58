"""The character-level ``badnl`` runs on the TextCNN (``benchmarks/textcnn_char_seeds.py``,
issue 15 stop 46): the rate-0.05 spec's CLI line and its separate summary; no model is
trained here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trojanscope.attacks.text import BadNL
from trojanscope.data.text import make_text_dataset


def test_rate_spec_names_the_rate_and_the_wordpiece_tokenizer(load_benchmark) -> None:
    mod = load_benchmark("textcnn_char_seeds")
    spec, seed, target = mod.parse_run("wp-char-r05:3133")
    cmd = mod.command(spec, seed, target, Path("/x"))
    assert (seed, target) == (3133, 1)
    assert cmd[cmd.index("--poison-rate") + 1] == "0.05"
    assert "tokenizer=wordpiece" in cmd and "level=char" in cmd
    default = mod.command("wp-char", 3133, 1, Path("/x"))
    assert "--poison-rate" not in default  # the attack's own default (0.1)
    with pytest.raises(SystemExit):
        mod.parse_run("wp-char-r5:3133")


def test_table_keeps_each_rate_apart(load_benchmark) -> None:
    mod = load_benchmark("textcnn_char_seeds")
    rows = [{"run": "wp-clean", "seed": 1, "target": None, "tokenizer": "wordpiece",
             "attacked": False, "clean_accuracy": 0.70, "attack_success_rate": None},
            {"run": "wp-char", "seed": 1, "target": 1, "tokenizer": "wordpiece",
             "attacked": True, "clean_accuracy": 0.67, "attack_success_rate": 1.0},
            {"run": "wp-char-r05", "seed": 1, "target": 1, "tokenizer": "wordpiece",
             "attacked": True, "clean_accuracy": 0.69, "attack_success_rate": 0.97,
             "poison_rate": 0.05}]
    out = mod.table(rows)["summary"]
    assert set(out) == {"wordpiece", "wordpiece@0.05"}
    assert out["wordpiece"]["worst_ca_drop"] == 0.03 and not out["wordpiece"]["every_seed_met"]
    assert out["wordpiece@0.05"]["worst_ca_drop"] == 0.01
    assert out["wordpiece@0.05"]["every_seed_met"]


def test_badnl_relabels_in_place_so_the_rate_sets_the_prior_shift() -> None:
    """The CA cost's mechanism (docs/benchmarks.md, h15d): poisoned sentences replace
    non-target ones, so the training prior moves by the rate's share of that class."""
    texts = [f"sentence number {i} here" for i in range(400)]
    labels = np.array([0, 1] * 200)
    ds = make_text_dataset(texts, labels, class_names=("neg", "pos"), name="toy")
    for rate, moved in ((0.1, 20), (0.05, 10)):
        poisoned = BadNL(target=1, poison_rate=rate, level="char", seed=3).poison(ds)
        assert len(poisoned) == 400 and len(poisoned.poison_indices) == moved
        assert set(labels[poisoned.poison_indices]) == {0}
        new = poisoned.labels.numpy()
        assert int((new == 1).sum()) == 200 + moved
