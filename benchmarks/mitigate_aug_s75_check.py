"""`gated:aug_last=E` beside today's default `gated` on every model of a zoo (issue 12, stop 75:
h12).

``aug_last`` is the last step: it runs after everything today's run does and changes nothing
before it, and only where ``free_reach``'s step read the model and the detector left a
reversed trigger for the suspect (the note ``aug_last`` then says ``fitted``). So each model is
run with the candidate; where the step fitted, today's default is run on the same model too
and gives today's row; elsewhere the candidate's run *is* today's computation and its row
stands for both. Stop 72's loop (:func:`mitigate_sure_s71_check.check_pairs`, through stop
74's :func:`mitigate_held_s74_check.check_main`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_aug_s75_check.py ZOO OUT.json [E]

A bad argument (no zoo, no output folder, E out of range) ends in one ``error:`` line and exit
2 before any model is read. OUT.json is written after each model, under ``gated`` and
``gated:aug_last=E``.
"""

from __future__ import annotations

from _common import run_main
from mitigate_held_s74_check import check_main

EPOCHS = 5  # the rule's candidate (benchmarks/data/mitigate_s75_h12/rule.md)
NOTE_KEYS = ("detector", "suspect", "teach_last", "mixed_last", "blend_last", "aug_last")


def fitted_aug(report: dict) -> bool:
    """Whether the candidate's run fitted ``aug_last`` (its one change to today's run)."""
    return str(report.get("aug_last", {}).get("action", "")).startswith("fitted")


def main(argv: list[str] | None = None) -> None:
    """The candidate and today's default for every model of ZOO, written to OUT.json."""
    check_main(argv, __doc__, "aug_last", int, EPOCHS, fitted_aug, NOTE_KEYS,
               "aug_last's epochs")


if __name__ == "__main__":
    run_main(main)
