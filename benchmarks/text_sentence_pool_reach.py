"""Which words of the pool sentences a Kim CNN's word-order search may use at all (issue 15,
stop 40), model-free: for every sentence ``text_sentence_pool.py`` can draw, in the
clean-fitted vocabulary of ``foreign_text_zoo.py``'s ``cnn-cleanvocab`` recipe (the same for
every seed: it is fitted on the clean training split), which of its words survive the search's
candidate rules as ``text-inversion -p order=1`` applies them
(:func:`trojanscope.detect.text_order.order_inputs` on the rt-polarity test split, the
detector's clean data): not ``<unk>``/``<pad>``, not leaning to the target class by more than
``MARGIN``, and with ``--min-docs N`` held by at least N clean sentences. A span of ``L`` words
can match a window of the sentence only where all ``L`` words survive; the model's push
ranking (the pool's top 400) is not applied, so these are upper bounds on what the search can
reach. Per template, both targets: the share of words that survive, the share of sentences
with a whole surviving 4-word (and 6-word) window, and the mean longest surviving run.

    python benchmarks/text_sentence_pool_reach.py --min-docs 0 3 --json out.json
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_text_zoo import MAX_LEN, fit_vocab, tokenize
from text_sentence_pool import SLOTS, TEMPLATES
from trojanscope.data import load_dataset
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.text_order import MARGIN, order_inputs
from trojanscope.detect.text_tokens import leaning_to


class _Size:
    """What :func:`order_inputs` reads from a model: its vocabulary size and special ids."""

    def __init__(self, n: int) -> None:
        self.embedding = torch.nn.Embedding(n, 1)
        self.pad_id = 0

    def special_ids(self) -> list[int]:
        return [0, 1]  # <pad>, <unk>


def fillings(template: str) -> list[str]:
    """Every sentence of one template (slots filled every way)."""
    out = [template]
    for name in re.findall(r"\{(\w+)\}", template):
        out = [s.replace("{" + name + "}", w, 1) for s in out for w in SLOTS[name]]
    return out


def longest_run(ok: list[bool]) -> int:
    best = run = 0
    for flag in ok:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def reach(vocab: list[str], clean, min_docs: int) -> dict[str, dict[str, float]]:
    """Per template: share of words allowed, of sentences with an allowed 4- and 6-word
    window, and the mean longest allowed run (both targets pooled)."""
    words = WordVocab(vocab, MAX_LEN)
    index = {w: i for i, w in enumerate(vocab)}
    ids = words.encode(clean.texts)
    _, _, lean, banned = order_inputs(_Size(len(vocab)), ids, clean.y, 2, min_docs)
    out = {}
    for template in TEMPLATES:
        share, four, six, runs = [], [], [], []
        for sentence in fillings(template):
            toks = [index.get(w, 1) for w in tokenize(sentence)]
            for target in (0, 1):
                allowed = ~(banned | leaning_to(lean, target, MARGIN))
                ok = [bool(allowed[t]) for t in toks]
                share.append(sum(ok) / len(ok))
                runs.append(longest_run(ok))
                four.append(runs[-1] >= 4)
                six.append(runs[-1] >= 6)
        out[template] = {
            "sentences": len(share) // 2,
            "words_allowed": round(statistics.fmean(share), 3),
            "with_4_window": round(statistics.fmean(four), 3),
            "with_6_window": round(statistics.fmean(six), 3),
            "longest_run": round(statistics.fmean(runs), 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-docs", type=int, nargs="+", default=[0, 3])
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    if any(n < 0 for n in opts.min_docs):
        print("error: --min-docs must be 0 or more", file=sys.stderr)
        sys.exit(2)
    train, clean = load_dataset("rt-polarity", "train"), load_dataset("rt-polarity", "test")
    vocab = fit_vocab("cnn-cleanvocab", [], [tokenize(t) for t in train.texts])
    result = {str(n): reach(vocab, clean, n) for n in opts.min_docs}
    for n, rows in result.items():
        print(f"min_docs={n} (cnn-cleanvocab vocabulary, {len(vocab)} tokens):")
        for template, r in rows.items():
            print(f"  {template:44s} {r}")
    if opts.json is not None:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
