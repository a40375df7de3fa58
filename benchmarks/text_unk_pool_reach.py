"""How many of the foreign zoo's pool sentences (``benchmarks/text_sentence_pool.py``) hold a
word that a ``cnn-cleanvocab`` vocabulary (fitted on the clean training sentences, the same for
every seed) lacks: the share of inserted sentences whose poison trains ``<unk>``, which the
unknown-word push (``-p unk_push=1``, issue 15, stop 45) can reach.

    python benchmarks/text_unk_pool_reach.py --vocab ZOO/cnn-cleanvocab-clean-002/vocab.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_sentence_pool import FIXED, every_sentence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=Path, required=True)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    vocab = set(json.loads(opts.vocab.read_text())["tokens"])
    pool = sorted(every_sentence() - set(FIXED))
    missing = Counter(w for s in pool for w in set(s.split()) if w not in vocab)
    holding = [s for s in pool if any(w not in vocab for w in s.split())]
    out = {"vocab": str(opts.vocab), "pool_sentences": len(pool),
           "holding_an_unknown_word": len(holding),
           "share": round(len(holding) / len(pool), 4),
           "unknown_words": dict(missing.most_common())}
    print(json.dumps(out, indent=1))
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
