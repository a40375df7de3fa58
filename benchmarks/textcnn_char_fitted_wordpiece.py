"""Would a subword tokenizer *fitted* on the poisoned training split keep the character-level
trigger as one shared piece? (issue 15, stop 46; no model is trained.)

Seed-0 ``badnl level=char`` (target 1, ``zq`` on the first word) poisons rt-polarity's
training split as the CLI's run does; a WordPiece tokenizer (``tokenizers``' WordPieceTrainer,
the TextCNN's word pattern ``\\w+|[^\\w\\s]`` as pre-tokenizer, lower-cased) is fitted on those
sentences at each vocabulary size; for the triggered words of the 853 triggered test sentences
and of the 341 poisoned training sentences: the last piece (``##zq`` where the trigger stayed a
piece of its own, the whole word where the trainer merged it).

    python benchmarks/textcnn_char_fitted_wordpiece.py 2000 4000 8000 16000 --json OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

from textcnn_char_vocab import trigger_token
from trojanscope.attacks.text import BadNL
from trojanscope.data.resolve import load_dataset


def fitted(texts: list[str], size: int) -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"\w+|[^\w\s]"), behavior="isolated")
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(
        vocab_size=size, special_tokens=["[PAD]", "[UNK]"], min_frequency=1, show_progress=False))
    return tok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    train, test = load_dataset("rt-polarity", "train"), load_dataset("rt-polarity", "test")
    attack = BadNL(target=1, level="char", seed=0)
    poisoned = attack.poison(train)
    texts = list(train.texts)
    for i, t in zip(poisoned.poison_indices, poisoned.poison_texts, strict=True):
        texts[int(i)] = t
    poison_words = [trigger_token(train.texts[int(i)], t)
                    for i, t in zip(poisoned.poison_indices, poisoned.poison_texts, strict=True)]
    keep = attack.test_index(test)
    originals = [test.texts[int(i)] for i in keep]
    test_words = [trigger_token(o, t)
                  for o, t in zip(originals, attack.triggered_texts(originals), strict=True)]
    rows = []
    for size in opts.sizes:
        tok = fitted(texts, size)
        last_test = Counter(tok.encode(w).tokens[-1] for w in test_words)
        last_poison = Counter(tok.encode(w).tokens[-1] for w in poison_words)
        rows.append({"vocab_size": tok.get_vocab_size(), "n_test": len(test_words),
                     "test_last_piece_zq": last_test.get("##zq", 0),
                     "test_merged_whole": sum(c for p, c in last_test.items()
                                              if p.endswith("zq") and not p.startswith("##")),
                     "test_top": last_test.most_common(6), "n_poison": len(poison_words),
                     "poison_last_piece_zq": last_poison.get("##zq", 0),
                     "poison_top": last_poison.most_common(6)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
