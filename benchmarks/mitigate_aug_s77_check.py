"""`gated:aug_last=E,aug_mean=4` beside today's default `gated` (``aug_last`` 8, ``aug_mean``
3) on every model of a zoo (issue 12, stop 77: h12).

Stop 76's check (:mod:`mitigate_aug_s76_check`) with the mean's first epoch fixed at 4: the
candidate changes only how long ``aug_last`` runs and which of its states it averages, and the
step is the last one and runs only where ``mixed_last`` fitted (the note ``aug_last`` then says
``fitted``), so each model is run with the candidate and, where the step fitted, with today's
default too; elsewhere the candidate's run *is* today's computation and its row stands for
both. Rows in ``bench_mitigate.py``'s format, the benchmark's split (MNIST's test split, 200
images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_aug_s77_check.py ZOO OUT.json [E]

A bad argument (no zoo, no output folder, E out of range or under 4) ends in one ``error:``
line and exit 2 before any model is read. OUT.json is written after each model, under
``gated`` and ``gated:aug_last=E,aug_mean=4``.
"""

from __future__ import annotations

from _common import run_main
from mitigate_aug_s75_check import NOTE_KEYS, fitted_aug
from mitigate_held_s74_check import check_main

EPOCHS, MEAN_FROM = 16, 4  # the rule's candidate (benchmarks/data/mitigate_s77_h12/rule.md)


def main(argv: list[str] | None = None) -> None:
    """The candidate and today's default for every model of ZOO, written to OUT.json."""
    check_main(argv, __doc__, "aug_last", int, EPOCHS, fitted_aug, NOTE_KEYS,
               "aug_last's epochs", extra={"aug_mean": MEAN_FROM})


if __name__ == "__main__":
    run_main(main)
