"""`gated:aug_class=B` beside today's default `gated` on every model of a zoo (issue 12, stop 78:
h12).

Stop 77's check (:mod:`mitigate_aug_s77_check`) with ``aug_class``'s bar instead of
``aug_last``'s epochs: the candidate adds a search per source class after ``aug_last``'s fit
(and, where it fires, the fit again with the class's trigger stamped there), so each model is run
with the candidate and, wherever ``aug_last`` fitted (the search ran, so its CPU differs even
where it did not fire), with today's default too; elsewhere the candidate's run *is* today's
computation and its row stands for both. Rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_cls_s78_check.py ZOO OUT.json [B]

A bad argument (no zoo, no output folder, B out of [0, 1]) ends in one ``error:`` line and exit
2 before any model is read. OUT.json is written after each model, under ``gated`` and
``gated:aug_class=B``.
"""

from __future__ import annotations

from _common import run_main
from mitigate_aug_s75_check import NOTE_KEYS, fitted_aug
from mitigate_held_s74_check import check_main

BAR = 0.1  # the rule's candidate (benchmarks/data/mitigate_s78_h12/rule.md)


def main(argv: list[str] | None = None) -> None:
    """The candidate and today's default for every model of ZOO, written to OUT.json."""
    check_main(argv, __doc__, "aug_class", float, BAR, fitted_aug, NOTE_KEYS, "aug_class's bar")


if __name__ == "__main__":
    run_main(main)
