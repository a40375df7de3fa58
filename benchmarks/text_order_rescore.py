"""``tv_order`` before and after tied clean counts got average ranks, on the vocabularies
behind the committed text rows, rebuilt without training a model: the foreign population's
(``benchmarks/foreign_text_zoo.py``: the same seed gives the same poisoned data and vocabulary)
and ``WordVocab.fit`` on the rt-polarity training split (every clean model of
zoo/text-cal1300 and zoo/text-eval1400). Clean data: the rt-polarity test split, counted as
``text-inversion`` counts it. The old statistic (ties ranked by their place in the sort) is
kept here only to compare; with ``--rows`` the rebuilt old values are checked against the
committed rows' (so the rebuild is the vocabulary the rows were computed on).

    python benchmarks/text_order_rescore.py --seed 1500 --models 16 \
        --rows benchmarks/data/text_rows/text-foreign1500.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_text_zoo import RECIPES, plan_one
from trojanscope.data import load_dataset
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.text_tokens import class_doc_counts
from trojanscope.detect.text_vocab_rank import ORDER_MAX, TOP, order_correlation


def argsort_order(clean_counts: torch.Tensor, first: int, top: int = TOP) -> float:
    """The statistic before this change: ties ranked by where the sort put them."""
    counts = clean_counts[first : first + top].float()
    if len(counts) < 3 or bool((counts == counts[0]).all()):
        return 0.0
    ranks = counts.argsort().argsort().float()
    return float(torch.corrcoef(torch.stack([torch.arange(len(counts)).float(), ranks]))[0, 1])


def both(vocab: WordVocab, texts: list[str]) -> dict[str, float]:
    ids = vocab.encode(texts)
    counts = class_doc_counts(ids, torch.zeros(len(ids), dtype=torch.long), 1, len(vocab))[0]
    first = WordVocab.unk_id + 1
    return {"old": argsort_order(counts, first), "new": order_correlation(counts, first)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1500)
    parser.add_argument("--models", type=int, default=16)
    parser.add_argument("--recipes", nargs="+", choices=RECIPES, default=list(RECIPES))
    parser.add_argument("--rows", type=Path, default=None)
    parser.add_argument(
        "--sentences",
        choices=("pool", "fixed"),
        default="fixed",
        help="the zoo's sentence triggers (foreign_text_zoo.py --sentences; "
        "'fixed' for the zoos of seeds 700-2300, this script's subject)",
    )
    opts = parser.parse_args()
    train_set, test_set = load_dataset("rt-polarity", "train"), load_dataset("rt-polarity", "test")
    texts = list(test_set.texts)
    committed = (
        {r["name"]: r["features"].get("tv_order") for r in json.loads(opts.rows.read_text())}
        if opts.rows
        else {}
    )
    out = {
        "WordVocab.fit (rt-polarity train)": both(
            WordVocab.fit(list(train_set.texts), max_len=50), texts
        )
    }
    for i in range(opts.models):
        plan = plan_one(i, opts.seed, train_set, tuple(opts.recipes), opts.sentences)
        out[plan["name"]] = {
            **both(WordVocab(plan["vocab"], 50), texts),
            "committed": committed.get(plan["name"]),
        }
    flips = 0
    for name, r in out.items():
        moved = (r["old"] > ORDER_MAX) != (r["new"] > ORDER_MAX)
        flips += moved
        print(
            f"{name}: old {r['old']:.3f} new {r['new']:.3f}"
            + (f" committed {r['committed']:.3f}" if r.get("committed") is not None else "")
            + (" GUARD CHANGES" if moved else "")
        )
    print(f"vocabularies whose guard decision changes: {flips} of {len(out)}")


if __name__ == "__main__":
    main()
