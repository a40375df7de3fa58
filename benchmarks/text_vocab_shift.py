"""The vocabulary-rank feature (``tv_gap``, ``tv_gap3``) of every model of text zoos with
clean data from several datasets: how far a clean model's value moves when the clean set
comes from another domain than its training data (the feature's false-positive risk).

    python benchmarks/text_vocab_shift.py zoo/text-dev1000-addsent --data rt-polarity imdb
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trojanscope.data import load_dataset
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.text_tokens import class_doc_counts
from trojanscope.detect.text_vocab_rank import vocab_rank_features
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder
from trojanscope.zoo import read_truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoos", type=Path, nargs="+")
    parser.add_argument("--data", nargs="+", default=["rt-polarity", "imdb"],
                        help="clean sets (their test split)")
    opts = parser.parse_args()
    sets = {name: load_dataset(name, "test") for name in opts.data}
    print("| zoo | model | " + " | ".join(f"`tv_gap` / `tv_gap3` ({n})" for n in sets) + " |")
    print("|---|---|" + "---|" * len(sets))
    for zoo in opts.zoos:
        _, entries = read_truth(zoo)
        for entry in entries:
            loaded = load_model(zoo / entry.name)
            cells = []
            for data in sets.values():
                clean = attach_encoder(loaded, data)
                counts = class_doc_counts(clean.x, clean.labels, clean.num_classes,
                                          len(clean.encoder.tokens)).sum(0)
                f = vocab_rank_features(counts, WordVocab.unk_id + 1)
                cells.append(f"{f['tv_gap']:.2f} / {f['tv_gap3']:.2f}")
            print(f"| {zoo.name} | {entry.name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
