"""`gated:aug_last=E,aug_mean=F` beside today's default `gated` on every model of a zoo (issue
12, stop 76: h12).

``aug_last`` is the last step and ``aug_mean`` only sets what it hands back (the mean of its
states after epochs F..E): both run after everything today's run does and change nothing before
it, and only where ``mixed_last`` fitted the output (the note ``aug_last`` then says
``fitted``). So each model is run with the candidate; where the step fitted, today's default is
run on the same model too and gives today's row; elsewhere the candidate's run *is* today's
computation and its row stands for both. Stop 75's check (:mod:`mitigate_aug_s75_check`) with
``aug_mean`` fixed beside the epochs; rows in ``bench_mitigate.py``'s format, the benchmark's
split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_aug_s76_check.py ZOO OUT.json [E]

A bad argument (no zoo, no output folder, E out of range or under F) ends in one ``error:``
line and exit 2 before any model is read. OUT.json is written after each model, under
``gated`` and ``gated:aug_last=E,aug_mean=F``.
"""

from __future__ import annotations

from _common import run_main
from mitigate_aug_s75_check import NOTE_KEYS, fitted_aug
from mitigate_held_s74_check import check_main

EPOCHS, MEAN_FROM = 8, 3  # the rule's candidate (benchmarks/data/mitigate_s76_h12/rule.md)


def main(argv: list[str] | None = None) -> None:
    """The candidate and today's default for every model of ZOO, written to OUT.json."""
    check_main(argv, __doc__, "aug_last", int, EPOCHS, fitted_aug, NOTE_KEYS,
               "aug_last's epochs", extra={"aug_mean": MEAN_FROM})


if __name__ == "__main__":
    run_main(main)
