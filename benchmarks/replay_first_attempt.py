"""Replay the first attempt of a zoo model that ``zoo make`` retried (its recorded seed and
poison rate are not the draw's): draw the zoo's entries again, train the drawn one with the
zoo's recipe and print its CA, ASR and flip rate, to say which acceptance test it failed
(issue 16, stop 31b). Nothing is written.

    PYTHONPATH=src python benchmarks/replay_first_attempt.py --dataset mnist --backdoored 4 \
        --seed 2110 --models bpp-003
"""

from __future__ import annotations

import argparse

import torch

from trojanscope.engine.train import Trainer
from trojanscope.experiment import run_experiment
from trojanscope.zoo import _splits, build_attack, draw_entries, zoo_attacks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--clean", type=int, default=0)
    ap.add_argument("--backdoored", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--attacks", nargs="+", default=None, help="default: the zoo's for images")
    ap.add_argument("--archs", nargs="+", default=None)
    ap.add_argument("--arch-variants", action="store_true")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--models", nargs="+", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    train, test = _splits(args.dataset)
    entries = draw_entries(
        args.clean,
        args.backdoored,
        train.num_classes,
        args.seed,
        attacks=args.attacks or list(zoo_attacks("image")),
        **({"archs": args.archs} if args.archs else {}),
        arch_variants=args.arch_variants,
    )
    for e in [e for e in entries if e.name in args.models]:
        m = run_experiment(
            args.dataset,
            attack=build_attack(e),
            arch=e.arch,
            arch_params=e.arch_params,
            trainer=Trainer(epochs=args.epochs),
            seed=e.seed,
            train_split=train,
            test_split=test,
        ).metrics
        print(
            f"{e.name}: seed {e.seed}, poison rate {e.poison_rate:.4f}: CA "
            f"{m['clean_accuracy']:.3f} ASR {m['attack_success_rate']:.3f} flip rate "
            f"{m['flip_rate']:.3f} of {m['n_flippable']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
