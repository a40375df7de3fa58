"""Train a text model zoo (TextCNN on rt-polarity; clean and backdoored by badnl, addsent and
syntactic, parameters drawn per model) for the text detection benchmark.

    python benchmarks/make_text_zoo.py --clean 10 --backdoored 10 --seed 700 --out zoo/text-cal
    python benchmarks/make_text_zoo.py --clean 12 --backdoored 12 --seed 800 --out zoo/text-eval
    python benchmarks/make_text_zoo.py --clean 6 --backdoored 6 --seed 1000 --attacks addsent \
        --out zoo/text-dev1000-addsent

Resumable (finished models are kept); ``truth.json`` holds the ground truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from trojanscope.zoo import make_zoo

ATTACKS = ("badnl", "addsent", "syntactic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="rt-polarity")
    parser.add_argument("--clean", type=int, default=10)
    parser.add_argument("--backdoored", type=int, default=10)
    parser.add_argument("--seed", type=int, default=700)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--attacks", nargs="+", choices=ATTACKS, default=list(ATTACKS),
                        help="attacks cycled over the backdoored models (a development zoo "
                             "of one attack)")
    opts = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()

    def progress(entry, i, n) -> None:
        m = entry.metrics
        print(f"{i}/{n} {entry.name} CA {m.get('clean_accuracy', 0):.3f} "
              f"ASR {m.get('attack_success_rate', float('nan')):.3f} "
              f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)

    make_zoo(opts.dataset, opts.out, n_clean=opts.clean, n_backdoored=opts.backdoored,
             seed=opts.seed, epochs=opts.epochs, attacks=tuple(opts.attacks), archs=("textcnn",),
             arch_variants=True, on_model=progress)


if __name__ == "__main__":
    main()
